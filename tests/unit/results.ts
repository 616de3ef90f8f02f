// The per-repository result of a repository the tests give no policy expirations: ReportRepository's figures at zero.
export const noPolicyExpirations = { policyImagesExpired: 0, policyBytesExpired: 0, policyImagesInUse: 0, policyNotes: 0 };
