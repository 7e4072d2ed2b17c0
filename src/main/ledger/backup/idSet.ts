/** Ids per page: a page is 8 KB of bits, allocated when one of its ids is first added. */
const PAGE_BITS = 16;
const PAGE_MASK = (1 << PAGE_BITS) - 1;

/**
 * A set of positive integer ids as a bitmap in pages. Ids handed out by a sequence are dense,
 * so a million orders cost ~128 KB, where a JavaScript Set would take tens of megabytes.
 */
export class IdSet {
  private readonly pages = new Map<number, Uint32Array>();

  add(id: number): void {
    const key = Math.floor(id / (PAGE_MASK + 1));
    let page = this.pages.get(key);
    if (!page) {
      page = new Uint32Array((PAGE_MASK + 1) / 32);
      this.pages.set(key, page);
    }
    const bit = id & PAGE_MASK;
    page[bit >>> 5]! |= 1 << (bit & 31);
  }

  has(id: number): boolean {
    const page = this.pages.get(Math.floor(id / (PAGE_MASK + 1)));
    if (!page) return false;
    const bit = id & PAGE_MASK;
    return (page[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }
}
