/**
 * The `receiveMessages` listener from the Go package's seed: one task fed from two sources.
 *
 * - an EventEmitter (a socket, a bus client…) turned into an Observable with `fromEvent`;
 * - a mailbox, an AsyncIterable pulled with back-pressure: the scheduler takes at most one message
 *   beyond the one being handled, so a slow listener never drains the mailbox into memory.
 *
 * Each message reaches `run` as `ctx.event`. Tasks with an event trigger default to
 * `overlap: 'queue'`: every message is handled, one at a time, in order.
 *
 *   npx tsx examples/mailbox.ts
 */
import { EventEmitter } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { fromEvent } from 'rxjs';
import { Scheduler, eventTrigger } from '../src/index';
import { Mailbox } from './lib/mailbox';

interface Message {
  readonly from: string;
  readonly body: string;
}

const network = new EventEmitter();
const mailbox = new Mailbox<Message>();

const scheduler = new Scheduler({ maxRunningTasks: 4 });

let handled = 0;
const receiveMessages = scheduler.addTask({
  name: 'receiveMessages',
  triggers: [eventTrigger(fromEvent<Message>(network, 'message')), eventTrigger(mailbox)],
  run: async (_args, ctx) => {
    const message = ctx.event!; // typed as Message
    console.log(`handling ${message.from}: ${message.body}   (mailbox still holds ${mailbox.size})`);
    await delay(100); // a slow handler
    handled++;
  },
});

scheduler.start();

// Five messages land in the mailbox at once; the listener takes them one by one.
for (let i = 1; i <= 5; i++) mailbox.push({ from: 'mailbox', body: `message ${i}` });
// Meanwhile the network emits two. Every message waits its turn (overlap 'queue'); the mailbox gives
// up one message at a time, so its size only shrinks as the listener gets through them.
network.emit('message', { from: 'peer-7', body: 'hello' });
network.emit('message', { from: 'peer-9', body: 'ping' });

while (handled < 7) await delay(20);
mailbox.close();
await scheduler.stop();

console.log(`handled ${handled} messages in ${receiveMessages.history.length} runs; stopped`);
