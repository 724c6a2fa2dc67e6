// Entry point 'rx-background-tasks/bullmq': a BullMQ queue as an async-iterable mailbox for
// eventTrigger. The core never imports BullMQ; only this entry does.
export { fromBullMQ, ackOnSuccess } from './adapters/bullmq';
export type { FromBullMQOptions, BullMQMessage, BullMQMailbox } from './adapters/bullmq';
