import { Logger } from '@nestjs/common';

/**
 * Test output shows results, not service logs. Code that logs through Nest's Logger outside an app (the
 * transport tests build workers directly) is silenced here; apps log through pino at the level their test
 * chooses (silent unless a test reads its log file). TEST_LOGS=1 keeps Nest's console logger for debugging.
 */
if (!process.env.TEST_LOGS) Logger.overrideLogger(false);
