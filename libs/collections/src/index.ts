export { Deque } from './deque';
export { MinHeap } from './min-heap';
export { ExpiryQueue } from './expiry-queue';
