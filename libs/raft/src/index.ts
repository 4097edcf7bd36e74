export * from './types';
export { RaftLog } from './log';
export { Progress, type ProgressState } from './progress';
export { RaftNode, type RaftConfig, type Proposed } from './node';
export { MemoryStorage, type RaftStorage, type StorageWrite } from './storage';
export { FileStorage, crc32 } from './file-storage';
export { LocalNetwork, type RaftTransport } from './transport';
export {
  TcpTransport,
  type PeerAddress,
  type TcpTransportOptions,
  type TcpTransportStats,
} from './tcp-transport';
export { FrameDecoder, FrameError, decodeFrame, encodeFrame, DEFAULT_MAX_FRAME } from './frame';
export {
  NotLeaderError,
  ProposalDroppedError,
  RaftHost,
  leaderMaySendEarly,
  type RaftHostOptions,
  type RaftStatus,
  type ReplicatedStateMachine,
} from './host';
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
