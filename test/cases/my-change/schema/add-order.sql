-- The proxy's side: routed by the user id, as the seed's functions are.
CREATE FUNCTION public.add_order(i_userid int) RETURNS void AS $$
  CLUSTER '{{cluster}}';
  RUN ON i_userid;
  TARGET digoal.add_order;
$$ LANGUAGE plproxy;
