import { RouteperfError } from '../../../errors.js';

/** Imports an optional driver package, or says which one to install. */
export async function importDriver<T>(name: string, purpose: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') {
      throw new RouteperfError(
        'ROUTEPERF_DRIVER_MISSING',
        `${purpose} needs the "${name}" package, which is not installed. Run: npm install ${name}`,
        { cause: error },
      );
    }
    throw error;
  }
}
