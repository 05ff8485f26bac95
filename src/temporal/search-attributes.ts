/**
 * Custom search attributes so the Web UI can list and filter erasures. Temporal stores these in
 * plaintext: they hold only a status and a step name, never anything about the person.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const ErasureStatus = defineSearchAttributeKey('ErasureStatus', SearchAttributeType.KEYWORD);
export const ErasureStep = defineSearchAttributeKey('ErasureStep', SearchAttributeType.KEYWORD);

export const erasureSearchAttributes = [ErasureStatus, ErasureStep];
