import { copyField } from '../db/copyText';
import { FIRST_NAMES, LAST_NAMES } from './names';
import { below, type Random } from './random';

/**
 * One chunk of demo data, drawn from a seeded source and written as COPY text. Every value —
 * times included, as offsets from the run's anchor — comes from the source, so a seed and the
 * sizes fix the data; ids are handed out in the order rows are drawn (each user's history in
 * time order), so a fresh database gets the same ids too.
 */

export interface DemoReward {
  id: number;
  name: string;
  cost: number;
}

export interface ChunkShape {
  firstUserId: number;
  users: number;
  /** Order credits and bonuses spread over the chunk's users (signups come on top). */
  credits: number;
  /** Redemptions tried per user; each is kept while the user spent at most 70 % of what they earned. */
  debitsPerUser: number;
}

interface Credit {
  at: number;
  points: number;
  /** An order's amount in cents; null for a bonus. */
  cents: number | null;
}

interface Debit {
  at: number;
  reward: DemoReward;
  used: boolean;
}

interface DemoUser {
  id: number;
  first: string;
  last: string;
  createdAt: number;
  credits: Credit[];
  debits: Debit[];
}

const DAY = 86_400_000;
const SIGNUP_POINTS = 50;

/** The chunk's users and their histories, before ids are given to orders and transactions. */
export interface ChunkDraw {
  users: DemoUser[];
  orders: number;
  transactions: number;
}

function drawUser(random: Random, id: number, anchor: number): DemoUser {
  return {
    id,
    first: FIRST_NAMES[below(random, FIRST_NAMES.length)]!,
    last: LAST_NAMES[below(random, LAST_NAMES.length)]!,
    createdAt: anchor - 60 * DAY - Math.floor(random() * 670 * DAY),
    credits: [],
    debits: [],
  };
}

/** Order credits (70 %, each with its order) and bonuses, all before the last 30 days. */
function drawCredit(random: Random, user: DemoUser, anchor: number): Credit {
  const at = user.createdAt + Math.floor((anchor - 30 * DAY - user.createdAt) * random());
  const points = 10 + below(random, 490);
  if (random() >= 0.7) return { at, points, cents: null };
  const cents = Math.round((points / 2 + random() * 5) * 100);
  return { at, points: Math.max(1, Math.min(10_000, Math.floor(cents / 50))), cents };
}

/**
 * Redemptions in the last 30 days, each the exact cost of a catalogue reward, and never more than
 * 70 % of what the user earned, so every running balance stays above zero.
 */
function drawDebits(
  random: Random,
  user: DemoUser,
  tries: number,
  rewards: DemoReward[],
  anchor: number,
): void {
  const earned = SIGNUP_POINTS + user.credits.reduce((s, c) => s + c.points, 0);
  let spent = 0;
  for (let g = 0; g < tries; g++) {
    const reward = rewards[below(random, rewards.length)]!;
    const at = anchor - Math.floor(random() * 30 * DAY);
    const used = random() < 0.5;
    spent += reward.cost;
    if (spent <= earned * 0.7) user.debits.push({ at, reward, used });
  }
}

export function drawChunk(
  random: Random,
  shape: ChunkShape,
  rewards: DemoReward[],
  anchor: number,
): ChunkDraw {
  const users = Array.from({ length: shape.users }, (_, i) =>
    drawUser(random, shape.firstUserId + i, anchor),
  );
  for (let i = 0; i < shape.credits; i++) {
    const user = users[below(random, users.length)]!;
    user.credits.push(drawCredit(random, user, anchor));
  }
  let orders = 0;
  let transactions = 0;
  for (const user of users) {
    user.credits.sort((a, b) => a.at - b.at);
    if (rewards.length > 0) drawDebits(random, user, shape.debitsPerUser, rewards, anchor);
    user.debits.sort((a, b) => a.at - b.at);
    orders += user.credits.filter((c) => c.cents !== null).length;
    transactions += 1 + user.credits.length + user.debits.length;
  }
  return { users, orders, transactions };
}

const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** "YYYY-MM-DDT" of each day met so far: a demo's times fall on a few hundred days. */
const dayPrefixes = new Map<number, string>();

/**
 * `new Date(ms).toISOString()`, byte for byte, without a Date per row: at 1.5 µs a call it was a
 * third of the time spent writing a chunk's text (1.6 million times per million transactions).
 */
export function iso(ms: number): string {
  const day = Math.floor(ms / DAY);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY).toISOString().slice(0, 11);
    dayPrefixes.set(day, prefix);
  }
  const rest = ms - day * DAY;
  const seconds = Math.floor(rest / 1000);
  return `${prefix}${TWO[Math.floor(seconds / 3600)]}:${TWO[Math.floor(seconds / 60) % 60]}:${TWO[seconds % 60]}.${THREE[rest % 1000]}Z`;
}
const amount = (cents: number) => (cents / 100).toFixed(2);

/** Column lists of the COPY text below, in order. */
export const COPY_COLUMNS = {
  users: 'id, email, name, rewards, created_at, updated_at',
  orders: 'id, user_id, amount, created_at',
  transactions:
    'id, user_id, type, points, description, order_id, order_amount, created_at, reward_id, is_used',
} as const;

/** A chunk's COPY lines per table, drawn as they are written: a chunk's text is never all held at once. */
export interface ChunkCopy {
  users: Iterable<string>;
  orders: Iterable<string>;
  transactions: Iterable<string>;
}

const balanceOf = (u: DemoUser) =>
  SIGNUP_POINTS +
  u.credits.reduce((s, c) => s + c.points, 0) -
  u.debits.reduce((s, d) => s + d.reward.cost, 0);

function* userLines(draw: ChunkDraw): Generator<string> {
  for (const u of draw.users) {
    const email = `${u.first.toLowerCase()}.${u.last.toLowerCase()}.${u.id}@example.com`;
    const at = iso(u.createdAt);
    yield `${u.id}\t${copyField(email)}\t${copyField(`${u.first} ${u.last}`)}\t${balanceOf(u)}\t${at}\t${at}\n`;
  }
}

/** Orders are numbered in draw order: the same walk as transactionLines' order credits. */
function* orderLines(draw: ChunkDraw, firstOrderId: number): Generator<string> {
  let orderId = firstOrderId;
  for (const u of draw.users)
    for (const c of u.credits)
      if (c.cents !== null) yield `${orderId++}\t${u.id}\t${amount(c.cents)}\t${iso(c.at)}\n`;
}

const NONE = '\\N\t\\N';

function* transactionLines(
  draw: ChunkDraw,
  firstOrderId: number,
  firstTransactionId: number,
): Generator<string> {
  let orderId = firstOrderId;
  let txId = firstTransactionId;
  // order: "order_id\torder_amount"; redemption: "reward_id\tis_used".
  const tx = (
    u: DemoUser,
    type: string,
    points: number,
    text: string,
    at: number,
    order = NONE,
    redemption = NONE,
  ) => `${txId++}\t${u.id}\t${type}\t${points}\t${copyField(text)}\t${order}\t${iso(at)}\t${redemption}\n`;
  for (const u of draw.users) {
    yield tx(u, 'signup', SIGNUP_POINTS, 'Welcome bonus', u.createdAt);
    for (const c of u.credits) {
      if (c.cents === null) yield tx(u, 'bonus', c.points, 'Promotional bonus', c.at);
      else {
        yield tx(
          u,
          'earned',
          c.points,
          `Order #${orderId} completed`,
          c.at,
          `${orderId}\t${amount(c.cents)}`,
        );
        orderId++;
      }
    }
    for (const d of u.debits)
      yield tx(
        u,
        'redeemed',
        -d.reward.cost,
        `Redeemed: ${d.reward.name}`,
        d.at,
        NONE,
        `${d.reward.id}\t${d.used ? 't' : 'f'}`,
      );
  }
}

/**
 * The chunk as COPY lines, orders numbered from `firstOrderId` and transactions from
 * `firstTransactionId`, both in draw order. Users carry their balance as the legacy copy.
 */
export function chunkCopy(draw: ChunkDraw, firstOrderId: number, firstTransactionId: number): ChunkCopy {
  return {
    users: userLines(draw),
    orders: orderLines(draw, firstOrderId),
    transactions: transactionLines(draw, firstOrderId, firstTransactionId),
  };
}

/** `count` distinct ids of [first, last], drawn by Floyd's method (no list of every id kept). */
export function sampleIds(random: Random, first: number, last: number, count: number): number[] {
  const n = last - first + 1;
  const picked = new Set<number>();
  for (let j = n - count; j < n; j++) {
    const t = below(random, j + 1);
    picked.add(picked.has(t) ? j : t);
  }
  return [...picked].map((i) => first + i);
}
