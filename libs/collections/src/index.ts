export { Deque } from './deque';
export { MinHeap } from './min-heap';
