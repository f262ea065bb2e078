import type { PayloadOxum } from './bag-info.ts';
import { REPORT_ORDER, type VerificationReport } from './verification-report.ts';

/** The payload as counted: files present plus files to fetch, with their declared lengths. */
export interface PayloadCount {
  files: number;
  bytes: number;
  /** False when a file to fetch has no declared length ("-"): then only the count can be checked. */
  lengthsKnown: boolean;
}

/** Payload-Oxum describes the complete payload, so files still to be fetched count too. */
export function checkPayloadOxum(
  oxum: PayloadOxum | undefined,
  infoFile: string | undefined,
  payload: PayloadCount,
  report: VerificationReport,
): void {
  if (!oxum) return;
  const { files, bytes } = payload;
  if (files !== oxum.files || (payload.lengthsKnown && bytes !== oxum.bytes)) {
    report.fail(
      `Payload-Oxum mismatch: ${infoFile} declares ${oxum.bytes} bytes in ${oxum.files} files, ` +
        `the payload has ${bytes} bytes in ${files} files`,
      [REPORT_ORDER.payloadOxum],
    );
  }
}
