import type { AccountOpening, LedgerStore } from '../../../ledger/src/ledger-store';

/**
 * Opens the given accounts unless they already exist: what a bank process does at every start.
 * `open` is atomic (all or nothing), so after it either every account exists or none does; a
 * restarted bank finds them all and touches nothing (balances are never re-opened or reset). Two
 * processes racing to open the same accounts are both fine: the loser sees "already exists" and
 * then finds them. Returns whether this call opened them.
 */
export async function openAccountsIfAbsent(
  ledger: LedgerStore,
  accounts: readonly AccountOpening[],
): Promise<'opened' | 'present'> {
  if (accounts.length === 0) return 'present';
  if (await allPresent(ledger, accounts)) return 'present';
  try {
    await ledger.open(accounts);
    return 'opened';
  } catch (err) {
    if (await allPresent(ledger, accounts)) return 'present';
    throw err;
  }
}

async function allPresent(ledger: LedgerStore, accounts: readonly AccountOpening[]): Promise<boolean> {
  const found = await Promise.all(accounts.map((a) => ledger.account(a.account)));
  const missing = found.filter((f) => f === null).length;
  if (missing === 0) {
    const wrong = accounts.find((a, i) => found[i]!.bank !== a.bank);
    if (wrong)
      throw new Error(
        `account ${wrong.account} exists under another bank: the run id is reused by another scenario`,
      );
    return true;
  }
  if (missing < accounts.length)
    throw new Error(
      `${accounts.length - missing} of ${accounts.length} accounts exist: this run's ledger was opened by another scenario; use a fresh UPI_RUN_ID`,
    );
  return false;
}
