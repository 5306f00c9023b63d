/**
 * Hands out producer ids for InitProducerId (idempotent producers without a transactional id),
 * from blocks of 1000 reserved through the keeper's `/latest_producer_id_block` (Kafka's
 * ZkProducerIdManager). The next block is fetched when the current one is 90 % used so a
 * producer rarely waits on the keeper; concurrent callers share one fetch.
 */
import type { ProducerIdBlock } from '../metadata/metadata-service.js';

export class ProducerIdManager {
  private block: ProducerIdBlock | null = null;
  private next = 0n;
  private nextBlock: ProducerIdBlock | null = null;
  private fetching: Promise<void> | null = null;

  constructor(private readonly allocateBlock: () => Promise<ProducerIdBlock>) {}

  async generateProducerId(): Promise<bigint> {
    for (;;) {
      const b = this.block;
      if (b !== null && this.next < b.firstProducerId + BigInt(b.size)) {
        const id = this.next++;
        if (this.nextBlock === null && this.next - b.firstProducerId >= BigInt(Math.floor(b.size * 0.9))) void this.prefetch().catch(() => undefined);
        return id;
      }
      if (this.nextBlock !== null) {
        this.block = this.nextBlock;
        this.next = this.nextBlock.firstProducerId;
        this.nextBlock = null;
        continue;
      }
      await this.prefetch();
    }
  }

  private prefetch(): Promise<void> {
    if (this.fetching === null) {
      this.fetching = this.allocateBlock().then(
        (b) => {
          this.nextBlock = b;
          this.fetching = null;
        },
        (err: unknown) => {
          this.fetching = null;
          throw err;
        },
      );
    }
    return this.fetching;
  }
}
