/**
 * Loaded by path (worker and workflow bundle): failure messages and stack traces move into an
 * encoded payload, which the codec encrypts. Vendor errors can quote the identifier being erased.
 */
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
