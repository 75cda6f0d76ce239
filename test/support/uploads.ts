// Uploads through POST /media (a real multipart request) and downloads through downloadMedia and
// GET /media/:token, as a client does.
import { ok } from "./clients.js";
import type { TestUser } from "./fixtures.js";
import type { TestServer } from "./server.js";

export interface Uploaded {
  fileToken: string;
  fileName: string;
  fileSize: number;
  mimeType: string;
  width: number | null;
  height: number | null;
  duration: string | null;
  thumbImage: string | null;
}

export async function uploadRaw(server: TestServer, token: string | undefined, bytes: Uint8Array, fileName: string) {
  const form = new FormData();
  form.append("file", new Blob([bytes]), fileName);
  const response = await fetch(`${server.url}/media`, {
    method: "POST",
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** Uploads a file that must be accepted. */
export async function upload(server: TestServer, user: TestUser, bytes: Uint8Array, fileName: string): Promise<Uploaded> {
  const { status, body } = await uploadRaw(server, user.token, bytes, fileName);
  if (status !== 200) throw new Error(`upload of ${fileName} failed with ${status}: ${JSON.stringify(body)}`);
  return body as Uploaded;
}

/** A download URL (absolute) from downloadMedia. */
export async function downloadUrl(server: TestServer, user: TestUser, fileToken: string): Promise<string> {
  const { downloadMedia } = await ok(server, `query($t: String!) { downloadMedia(fileToken: $t) { url expiresAt } }`, { t: fileToken }, { token: user.token });
  return new URL(downloadMedia.url, server.url).toString();
}

export async function download(server: TestServer, user: TestUser, fileToken: string, headers: Record<string, string> = {}) {
  const response = await fetch(await downloadUrl(server, user, fileToken), { headers });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}
