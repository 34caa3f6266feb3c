export { generateCertificate, type CertificateOptions, type TestCertificate } from './certificate.ts';
