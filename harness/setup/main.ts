// The TypeScript half of `make setup` (after apt and npm): the pinned stock
// kernel and the guest image. Each step reports "nothing to do" when current.
import { ensureStockKernel, PinUnavailableError } from '../kernel/stock.js';
import { ensureInitramfs } from '../image/build.js';

const log = (s: string): void => console.log(s);

try {
  const kernel = await ensureStockKernel(log);
  await ensureInitramfs(kernel, log);
} catch (e) {
  if (e instanceof PinUnavailableError) {
    console.error(e.message);
    process.exit(2);
  }
  throw e;
}
