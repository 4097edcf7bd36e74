export * from './types';
export { ScenarioError } from './errors';
export { loadScenario, parseScenario, type ScenarioFormat } from './load';
export { validateScenario } from './validate';
export { rateAt, curveSegments, expectedArrivals, type CurveSegment } from './curve';
export {
  buildTopology,
  type Topology,
  type TopologyBank,
  type TopologyPsp,
  type DirectoryEntry,
} from './topology';
export { TrafficGenerator, type Arrival, type PaymentBody, type TrafficOptions } from './traffic';
export {
  faultTimeline,
  activeFaults,
  bankFaultAt,
  latestInForce,
  serviceFaultTimeline,
  isBankFault,
  bankFaultState,
  throttleBody,
  faultActions,
  type BankFaultState,
  type ThrottleBody,
  type FaultAction,
  type Fault,
  type ServiceFault,
} from './faults';
export * from './result';
export {
  parseCondition,
  evaluateThresholds,
  answerCountsAsOk,
  type ThresholdOutcome,
  type LoadObservation,
  type ScopeObservation,
} from './thresholds';
export { parseRateCsv, replaySegments, replayDurationSec, type RatePoint } from './replay';
