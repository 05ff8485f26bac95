export { erasureWorkflow } from './erasure';
export { connectorCallbackUpdate, progressQuery, retryUpdate, skipUpdate } from './definitions';
