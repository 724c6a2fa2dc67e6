// Entry point 'rx-background-tasks/redis': cluster coordination on Redis (ioredis, an optional
// peer dependency, is loaded only when a coordinator is created).
export { RedisCoordinator, createRedisCoordinator } from './cluster/redisCoordinator';
export type {
  RedisClientLike,
  RedisConnectionOptions,
  RedisCoordinatorOptions,
  RedisCoordinatorClientOptions,
} from './cluster/redisCoordinator';
export type { Coordinator, ClaimResult, ClaimRefusal } from './cluster/coordinator';
