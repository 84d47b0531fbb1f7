// The data layer for Node: everything in index.ts plus files, RecordIO files, folders and worker threads.
export * from './index';
export { openDataset } from './node-open';
export { FolderDataset, listImageFolder, readNames, writeNames, IMAGE_EXT, type FolderListing } from './node-folder';
export { RecordDataset, RecordFile, RecordWriter, writeRecordDataset, readProperty, recPrefix, type Property } from './node-recordio';
export { openVerification, lfwImageFile } from './node-verification';
export { Pipeline, resolveWorkerUrl, type PipelineOptions } from './node-pipeline';
