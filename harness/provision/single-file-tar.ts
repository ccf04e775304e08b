/**
 * A tar archive of one regular file (ustar), which is what Docker's "extract an archive
 * into a container" call takes: a file written that way costs the engine no process in
 * the container, unlike an exec.
 */
export function singleFileTar(name: string, content: string, mode: number): Buffer {
  const body = Buffer.from(content, 'utf8');
  const header = Buffer.alloc(512);
  const field = (value: string, offset: number, length: number) =>
    header.write(value, offset, length, 'ascii');
  const octal = (value: number, offset: number, length: number) =>
    field(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  field(name, 0, 100);
  octal(mode, 100, 8);
  octal(0, 108, 8); // uid: root
  octal(0, 116, 8); // gid
  octal(body.length, 124, 12);
  octal(Math.floor(Date.now() / 1000), 136, 12);
  field('        ', 148, 8); // the checksum is computed with its own field as spaces
  field('0', 156, 1); // regular file
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  field(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  const padding = Buffer.alloc((512 - (body.length % 512)) % 512);
  return Buffer.concat([header, body, padding, Buffer.alloc(1024)]);
}
