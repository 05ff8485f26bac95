export { erasureWorkflow, progressQuery, retryUpdate, skipUpdate } from './erasure';
