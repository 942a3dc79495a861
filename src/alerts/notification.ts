export type { AlertMetric, AlertNotification } from '../config/alert-types.js';
