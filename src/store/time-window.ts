import { BUCKET_MS } from './tables.js';

/** A time as a Date or ms since the epoch. */
export type TimeInput = Date | number;

export const ms = (time: TimeInput): number => (time instanceof Date ? time.getTime() : time);

/** The start of the aggregate bucket (the minute) holding `time`. */
export const floorToBucket = (time: number): number => time - (time % BUCKET_MS);
