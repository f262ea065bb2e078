import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** The one logger and metrics instance every handler shares (Powertools' examples/app layout). */
export const logger = new Logger({ serviceName: 'bagvault' });
export const metrics = new Metrics({ namespace: 'Bagvault', serviceName: 'bagvault' });
