import { InMemoryLedger } from '../src';
import { ledgerContract } from './ledger.contract';

ledgerContract('InMemoryLedger', async () => new InMemoryLedger());
