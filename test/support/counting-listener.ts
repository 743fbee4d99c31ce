// A TCP listener on 127.0.0.1 that counts accepted connections and closes each at once: hosts pointed at it
// prove that a run made no connection.
import { createServer, type Server } from 'node:net';

export interface CountingListener {
  port: number;
  accepted(): number;
  close(): Promise<void>;
}

export async function countingListener(): Promise<CountingListener> {
  let n = 0;
  const srv: Server = createServer((s) => {
    n++;
    s.destroy();
  });
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const port = (srv.address() as { port: number }).port;
  return { port, accepted: () => n, close: () => new Promise((ok) => srv.close(() => ok())) };
}
