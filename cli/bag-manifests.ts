import { followWithoutKey, type Api } from './api-client.ts';
import { bagPath, type BagId, type StorageManifest } from './bag-id.ts';

/** A version's storage manifest; a manifest too big to inline comes as a 307 to S3, followed. */
export async function fetchStorageManifest(api: Api, bag: BagId, version?: string): Promise<StorageManifest> {
  const path = bagPath(bag, version ? `?version=${version}` : '');
  const response = await api.request(path);
  if (response.status === 200) return (await response.json()) as StorageManifest;
  return (await (await followWithoutKey(response, `GET ${path}`)).json()) as StorageManifest;
}
