/** The one data converter for worker, CLI, intake and tests: encrypted payloads and failures. */
import type { DataConverter } from '@temporalio/common';
import { EncryptionCodec } from './codec';
import type { PayloadKey } from './keys';

/** Also passed to bundleWorkflowCode when prebundling: workflow code needs the same converter. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');

export async function createDataConverter(keys: PayloadKey[]): Promise<DataConverter> {
  return { payloadCodecs: [await EncryptionCodec.create(keys)], failureConverterPath: FAILURE_CONVERTER_PATH };
}
