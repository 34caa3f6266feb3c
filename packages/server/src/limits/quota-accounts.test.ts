import type { QuotaChange } from '@ftp/plugin-api';
import { describe, expect, it } from 'vitest';
import { MemorySharedState } from './memory-shared-state.ts';
import { QuotaAccount } from './quota-accounts.ts';

/** The in-memory shared state, whose quota commits land only when the test lets them, as a remote store's land later. */
class LateCommits extends MemorySharedState {
  readonly #held: Array<() => void> = [];

  override commitQuota(change: QuotaChange): Promise<void> {
    return new Promise((resolve) => this.#held.push(() => resolve(super.commitQuota(change))));
  }

  land(): void {
    for (const commit of this.#held.splice(0)) commit();
  }
}

describe('QuotaAccount', () => {
  it('counts in its usage the uploads of this server that ended, though their commits have not landed yet', async () => {
    const state = new LateCommits();
    const account = new QuotaAccount({ username: 'alice' }, state);
    await state.setQuotaUsage('alice', { bytes: 100, files: 1 });
    const upload = await account.beginUpload({ maxBytes: 1000 }, '/new.bin', true);
    const settled = upload.settle(undefined, 300);
    const usage = account.usage();
    state.land();
    await settled;
    expect(await usage).toEqual({ bytes: 400, files: 2 });
  });
});
