export { erasureWorkflow } from './erasure';
export { connectorSweepWorkflow } from './connector-sweep';
export { previewWorkflow } from './preview';
export { approveUpdate, connectorCallbackUpdate, progressQuery, retryUpdate, skipUpdate } from './definitions';
