// Follows a file that another process (QEMU's `-serial file:`) appends to,
// handing each new chunk of text to a callback. inotify (fs.watch) gives low
// latency; a slow poll covers missed events.
import fs from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export class FileTail {
  private offset = 0;
  private readonly decoder = new StringDecoder('utf8');
  private watcher: fs.FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private fd: number | undefined;
  private stopped = false;

  constructor(
    readonly path: string,
    private readonly onChunk: (text: string) => void,
    pollMs = 250,
  ) {
    this.fd = fs.openSync(path, 'r');
    try {
      this.watcher = fs.watch(path, () => this.drain());
      this.watcher.on('error', () => undefined);
    } catch {
      // No inotify: the poll alone will do.
    }
    this.timer = setInterval(() => this.drain(), pollMs);
    this.timer.unref();
    this.drain();
  }

  /** Reads everything appended since the last read. */
  drain(): void {
    if (this.fd === undefined) return;
    const buf = Buffer.allocUnsafe(64 * 1024);
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(this.fd, buf, 0, buf.length, this.offset);
      } catch {
        return;
      }
      if (n === 0) return;
      this.offset += n;
      const text = this.decoder.write(buf.subarray(0, n));
      if (text) this.onChunk(text);
    }
  }

  /** Final read (QEMU may have written its last bytes just before exiting), then stop. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.drain();
    const rest = this.decoder.end();
    if (rest) this.onChunk(rest);
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
