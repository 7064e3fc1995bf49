/** Counts what the demo did, for the progress line and the final tally. */
export class Tally {
  published = 0;
  publishFailed = 0;
  billed = new Set<string>();
  shipped = new Set<string>();
  retried = 0;
  deadLettered = 0;
  /** Trace ids of one shipped and one dead-lettered order, for links into Jaeger (when traced). */
  readonly sampleTraces: { shipped?: string | undefined; deadLettered?: string | undefined } = {};

  line(): string {
    return (
      `published ${this.published}  billing ${this.billed.size}  shipping ${this.shipped.size}  ` +
      `retried ${this.retried}  dead-lettered ${this.deadLettered}`
    );
  }

  done(expected: number): boolean {
    return (
      this.published + this.publishFailed >= expected &&
      this.billed.size + this.deadLettered >= this.published &&
      this.shipped.size >= this.published
    );
  }
}
