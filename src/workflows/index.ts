export { erasureWorkflow } from './erasure';
export { connectorSweepWorkflow } from './connector-sweep';
export { approveUpdate, connectorCallbackUpdate, progressQuery, retryUpdate, skipUpdate } from './definitions';
