/** Settings: one schema, one set of defaults, environment variables mapped onto it, durations in ms. */
import { ConfigError, loadServiceConfig, settingsFromConfig } from '../src/config';
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

describe('DSR_APPROVAL_THRESHOLDS and DSR_SWEEP_CALLS_PER_RUN', () => {
  test('entries are merged over the defaults, per count; unset leaves the workflow defaults alone', () => {
    const config = loadServiceConfig({
      DSR_APPROVAL_THRESHOLDS: 'crm.records=10, email.records=1000,m365.mailboxes=40,',
      DSR_SWEEP_CALLS_PER_RUN: '50',
    });
    expect(settingsFromConfig(config)).toEqual({
      gongTaskQueue: DEFAULT_SETTINGS.gongTaskQueue,
      approvalThresholds: { crm: { records: 10 }, email: { records: 1000, mailboxes: 25 }, m365: { mailboxes: 40 } },
      sweepCallsPerRun: 50,
    });
    expect(erasureSettingsSchema.parse({ ...DEFAULT_SETTINGS, ...settingsFromConfig(config) })).toBeTruthy();
    // An HTTP connector listed in a step may have its own.
    expect(
      loadServiceConfig({
        DSR_CRM_CONNECTORS: 'hubspot,http:warehouse',
        DSR_APPROVAL_THRESHOLDS: 'http:warehouse.records=3',
      }).DSR_APPROVAL_THRESHOLDS,
    ).toEqual({ ...DEFAULT_SETTINGS.approvalThresholds, 'http:warehouse': { records: 3 } });
    expect(loadServiceConfig({ DSR_APPROVAL_THRESHOLDS: ' ' }).DSR_APPROVAL_THRESHOLDS).toBeUndefined();
  });

  test('a bad entry stops start-up with an error naming the variable and the entry key', () => {
    const error = (value: string, env: Record<string, string> = {}) => {
      try {
        loadServiceConfig({ ...env, DSR_APPROVAL_THRESHOLDS: value });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
      throw new Error(`accepted: ${value}`);
    };
    expect(error('crm.records=0')).toBe(
      'invalid configuration: DSR_APPROVAL_THRESHOLDS: crm.records must be a positive integer (at most 1000000000), e.g. crm.records=500',
    );
    for (const value of ['-1', '1.5', 'five', '', '1e3', '99999999999'])
      expect(error(`email.mailboxes=${value}`)).toMatch(
        /^invalid configuration: DSR_APPROVAL_THRESHOLDS: email\.mailboxes must be a positive integer/,
      );
    expect(error('email.mailboxes')).toMatch(/DSR_APPROVAL_THRESHOLDS: email\.mailboxes must be a positive integer/);
    expect(error('crm.records=5,email.messages=500')).toMatch(
      /DSR_APPROVAL_THRESHOLDS: entry 2 \(email\.messages\) must be <crm\|email\|connector id>\.<records\|mailboxes>=<positive integer>/,
    );
    expect(error('=5')).toMatch(/DSR_APPROVAL_THRESHOLDS: entry 1 must be/);
    expect(error('crm.records=5,crm.records=6')).toMatch(/DSR_APPROVAL_THRESHOLDS: crm\.records is given twice/);
    // A connector this deployment does not run (a misspelt id) would never apply.
    expect(error('hubspto.records=5')).toMatch(
      /DSR_APPROVAL_THRESHOLDS: hubspto\.\* names a connector that is in neither DSR_CRM_CONNECTORS nor DSR_EMAIL_CONNECTORS/,
    );
    expect(
      loadServiceConfig({ DSR_EMAIL_CONNECTORS: 'gmail', DSR_APPROVAL_THRESHOLDS: 'gmail.records=5' })
        .DSR_APPROVAL_THRESHOLDS?.gmail,
    ).toEqual({ records: 5 });
  });

  test('DSR_SWEEP_CALLS_PER_RUN is a whole number from 1 to 10000', () => {
    for (const value of ['0', '10001', '2.5', 'many', '-3'])
      expect(() => loadServiceConfig({ DSR_SWEEP_CALLS_PER_RUN: value })).toThrow(
        'DSR_SWEEP_CALLS_PER_RUN: must be a whole number from 1 to 10000',
      );
    expect(loadServiceConfig({ DSR_SWEEP_CALLS_PER_RUN: '10000' }).DSR_SWEEP_CALLS_PER_RUN).toBe(10_000);
  });
});
