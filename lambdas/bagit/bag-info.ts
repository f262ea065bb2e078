/** One "Label: value" element of bag-info.txt, in file order; labels may repeat. */
export interface BagInfoField {
  label: string;
  value: string;
}

export interface PayloadOxum {
  bytes: number;
  files: number;
}

/**
 * Parse bag-info.txt (package-info.txt before BagIt 0.96): "Label: value" lines, where a line
 * starting with a space or tab continues the previous value (RFC 8493 §2.2.2). The line break is
 * kept in the value; the indentation is not.
 */
export function parseBagInfo(text: string, fileName: string): { fields: BagInfoField[]; problems: string[] } {
  const fields: BagInfoField[] = [];
  const problems: string[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    if (line[0] === ' ' || line[0] === '\t') {
      const previous = fields.at(-1);
      if (previous) previous.value = `${previous.value}\n${line.trim()}`;
      else problems.push(`${fileName} line ${index + 1} continues a value, but no label comes before it`);
      return;
    }
    const colon = line.indexOf(':');
    const label = colon > 0 ? line.slice(0, colon).trim() : '';
    if (label === '') {
      problems.push(`${fileName} line ${index + 1} is not "Label: value": ${JSON.stringify(line)}`);
      return;
    }
    fields.push({ label, value: line.slice(colon + 1).trim() });
  });
  return { fields, problems };
}

/** Every value given for a label, compared without regard to letter case as most tools do. */
export function valuesOf(fields: readonly BagInfoField[], label: string): string[] {
  const wanted = label.toLowerCase();
  return fields.filter((field) => field.label.toLowerCase() === wanted).map((field) => field.value);
}

/** Payload-Oxum is "OctetCount.StreamCount": total payload bytes and number of payload files. */
export function parsePayloadOxum(
  fields: readonly BagInfoField[],
  fileName: string,
): { oxum?: PayloadOxum; problems: string[] } {
  const values = [...new Set(valuesOf(fields, 'Payload-Oxum'))];
  if (values.length === 0) return { problems: [] };
  if (values.length > 1) {
    return {
      problems: [`${fileName} has ${values.length} different Payload-Oxum values: ${values.join(', ')}`],
    };
  }
  const match = /^(\d+)\.(\d+)$/.exec(values[0]);
  if (!match) {
    return {
      problems: [`Payload-Oxum ${JSON.stringify(values[0])} in ${fileName} is not "OctetCount.StreamCount"`],
    };
  }
  return { oxum: { bytes: Number(match[1]), files: Number(match[2]) }, problems: [] };
}
