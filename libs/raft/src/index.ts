export * from './types';
export { RaftLog } from './log';
export { Progress, type ProgressState } from './progress';
export { RaftNode, type RaftConfig, type Proposed } from './node';
export { MemoryStorage, type RaftStorage, type StorageWrite } from './storage';
export { FileStorage, crc32 } from './file-storage';
export {
  checkOperations,
  kvModel,
  type CheckResult,
  type KvInput,
  type KvOutput,
  type Model,
  type Operation,
} from './linearizability';
export { runSim, World, type SimOptions, type SimResult } from './sim/world';
