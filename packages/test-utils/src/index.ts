export { generateCertificate, type CertificateOptions, type TestCertificate } from './certificate.ts';
export { eventually } from './eventually.ts';
export { tempDirectory } from './temp-directory.ts';
