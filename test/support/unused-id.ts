import { maxId } from '../../harness/load/scripts.ts';

/**
 * An id of `partition` beyond every id the load generator draws (maxId), so no rehearsal's
 * own insert_log can have written it: a test that counts it counts only its own write.
 */
export const idTheLoadNeverDraws = (partition: number, partitions = 32) =>
  partition + partitions * Math.ceil(maxId / partitions);
