// Preloaded with `node --import` to make packages named in HIDE_PACKAGES (comma-separated) look
// uninstalled, as they would be in an app that never installed them: importing one fails with
// ERR_MODULE_NOT_FOUND, exactly as Node reports a missing package.
import { register } from 'node:module';

register('./hide-packages-hooks.mjs', import.meta.url, {
  data: { hidden: (process.env.HIDE_PACKAGES ?? '').split(',').filter(Boolean) },
});
