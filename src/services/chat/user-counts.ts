/**
 * A count per user of something held (answers streaming, conversations being made), each one
 * added given back by the function `add` returns, once however often it is called.
 */
export class UserCounts {
  private readonly counts = new Map<string, number>();

  get(username: string): number {
    return this.counts.get(username) ?? 0;
  }

  add(username: string): () => void {
    this.counts.set(username, this.get(username) + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = this.get(username) - 1;
      if (left > 0) this.counts.set(username, left);
      else this.counts.delete(username);
    };
  }
}
