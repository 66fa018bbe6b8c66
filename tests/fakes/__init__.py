"""In-memory fakes of the storage seams (certifications RecordStore, fulfillment OrderStore), shared by
the unit tests of the use cases and the contract tests that run the same cases against moto."""
