// `datasets fetch` and the readers it is built from, as the package entry point exposes them.
export { fetchDataset, type FetchOptions, type FetchProgress, type FetchReport } from './fetch-dataset';
export { downloadToPart, mirrorUrl, DownloadError, type DownloadOptions, type DownloadResult } from './download';
export { readTar, type TarEntry, type TarEntryType } from './tar';
export { readZipDirectory, openZipEntry, type ZipEntry } from './zip';
export { readNumpyPickle, numpyArrayToText, type NumpyArray } from './numpy-pickle';
export {
  UNPACK_KINDS,
  CONVERT_KINDS,
  type LockDownload,
  type LockDownloadMember,
  type UnpackKind,
  type ConvertKind,
} from '../datasets/lock';
