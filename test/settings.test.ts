/** Settings: one schema, one set of defaults, environment variables mapped onto it, durations in ms. */
import { loadServiceConfig, settingsFromConfig } from '../src/config';
import { erasureSettingsSchema } from '../src/settings-schema';
import { settingsSchema } from '../src/client/erasures';
import { DEFAULT_SETTINGS, durationMs } from '../src/workflows/settings';

test('the defaults satisfy the schema', () => {
  expect(erasureSettingsSchema.parse(DEFAULT_SETTINGS)).toEqual(DEFAULT_SETTINGS);
});

test('every duration the schema admits is read in milliseconds by the workflow', () => {
  const cases: [string | number, number][] = [
    ['250ms', 250],
    ['30s', 30_000],
    ['15m', 900_000],
    ['4h', 14_400_000],
    ['3d', 259_200_000],
    [1500, 1500],
  ];
  for (const [duration, ms] of cases) {
    expect(settingsSchema.parse({ verifyInitialWait: duration })).toEqual({ verifyInitialWait: duration });
    expect(durationMs(settingsSchema.parse({ verifyInitialWait: duration }).verifyInitialWait!)).toBe(ms);
  }
});

test('the schema refuses durations the workflow could not read', () => {
  for (const duration of ['1.5h', '4 hours', '-1s', '10', '', 0, -5, 1.5]) {
    expect(settingsSchema.safeParse({ verifyInitialWait: duration }).success).toBe(false);
  }
  expect(settingsSchema.safeParse({ verifyWait: '1s' }).success).toBe(false); // unknown keys are refused
});

test('environment variables set the deployment settings they name, and only those', () => {
  const config = loadServiceConfig({
    DSR_GONG_TASK_QUEUE: 'gong-q',
    DSR_VERIFY_INITIAL_WAIT: '1s',
    DSR_VERIFY_MAX_INTERVAL: '2s',
    DSR_VERIFY_MAX_TOTAL_WAIT: '3s',
    DSR_EXTERNAL_POLL_INTERVAL: '4s',
    DSR_EXTERNAL_MAX_WAIT: '5m',
    DSR_CALLBACK_MAX_WAIT: '6h',
  });
  expect(settingsFromConfig(config)).toEqual({
    gongTaskQueue: 'gong-q',
    verifyInitialWait: '1s',
    verifyMaxInterval: '2s',
    verifyMaxTotalWait: '3s',
    externalPollInterval: '4s',
    externalMaxWait: '5m',
    callbackMaxWait: '6h',
  });
  expect(settingsFromConfig(loadServiceConfig({}))).toEqual({ gongTaskQueue: DEFAULT_SETTINGS.gongTaskQueue });
  expect(() => loadServiceConfig({ DSR_EXTERNAL_MAX_WAIT: '3 days' })).toThrow(
    'DSR_EXTERNAL_MAX_WAIT: must be a duration like 30s, 15m, 4h or 3d',
  );
});
