// @ts-check
// Types only: the shapes of the API payloads the client reads (as in /openapi.json) and the view
// contract. Nothing imports this file at run time; modules name these types with JSDoc `@import`,
// which the browser never sees. A field marked "fallback" is not in the contract: the client
// tolerates its absence or reads it only when the contract's field is missing.
export {};

/**
 * A list page: `{"items": [...], "next"}`; a few routes name the list differently (`listOf`).
 * @template T
 * @typedef {{ items?: T[], next?: string | null }} Page
 */

/**
 * problem+json, as `api.js` reads it.
 * @typedef {{ type?: string, title?: string, status?: number, detail?: unknown, code?: string, errors?: unknown }} Problem
 */

/** @typedef {{ field?: string, message?: string }} FieldError */

/**
 * GET /me (mapped logins carry the candidate's fields).
 * @typedef {object} Me
 * @property {boolean} mapped
 * @property {string} [login_id]
 * @property {string} [candidate_id]
 * @property {string} [first_name]
 * @property {string} [last_name]
 * @property {string} [email]
 */

/** @typedef {{ status?: string, candidate_id: string }} MappingConfirmed POST /mapping/confirm */

/** @typedef {{ [key: string]: boolean | null | undefined }} Settings GET /me/settings (the five booleans) */

/** @typedef {{ key: string, label: string, value: string | null, editable: boolean, max_length: number }} Attribute */

/** @typedef {{ label: string, value: string | null }} Identifier */

/** @typedef {{ logo: boolean, pdf_certificate: boolean }} Downloads */

/**
 * One certification of GET /me/certifications (`groups[].certifications[]`).
 * @typedef {object} Certification
 * @property {string} id
 * @property {string} name
 * @property {string} [abbreviation]
 * @property {string} status
 * @property {string | null} [started]
 * @property {string | null} [active_date]
 * @property {string | null} [expiration_date]
 * @property {Downloads} [downloads]
 * @property {string} [category] set by the client from the group (and read on the detail as a fallback)
 */

/** @typedef {{ category: string, certifications?: Certification[] }} CertificationGroup */

/**
 * A node of the requirement tree.
 * @typedef {object} ProgressNode
 * @property {string} id
 * @property {string} label
 * @property {number | null} [earned]
 * @property {number | null} [required]
 * @property {boolean} met
 * @property {ProgressNode[]} [children]
 */

/** @typedef {{ active_date: string, inactive_date: string, points: number, status: string }} AppliedCredit */

/** @typedef {{ date: string, event: string }} CertificationEvent */

/**
 * GET /me/certifications/{cert_id}.
 * @typedef {Certification & { progress?: ProgressNode, ce_credits?: AppliedCredit[], history?: CertificationEvent[] }} CertificationDetail
 */

/** @typedef {{ url: string, expires_at?: string }} DownloadLink the presigned URL of a PDF or logo */

/** @typedef {{ id: string, name: string, formats?: string[] }} Logo */

/** @typedef {{ logos?: Logo[], agreement?: { version?: string, text?: string } }} Logos GET /me/logos */

/** @typedef {{ code: string, exam: string, registration_number: string, grade: string, date: string, expires: string | null }} Exam */

/**
 * GET /me/ce-activities.
 * @typedef {object} CeActivity
 * @property {string} name
 * @property {string} active_date
 * @property {string} expires
 * @property {string | null} review
 * @property {number} points
 * @property {string | null} updated
 * @property {string} provider_name
 * @property {string} source
 * @property {string | null} import_source
 * @property {string} external_id
 */

/** @typedef {{ name: string, active_date: string, expires: string | null }} Agreement */

/** @typedef {{ [field: string]: unknown, currency?: string }} Transaction the columns are open (DESIGN.md) */

/**
 * One line of GET /me/fulfillment/catalog.
 * @typedef {object} CatalogItem
 * @property {string} sku
 * @property {string} name
 * @property {string} kind
 * @property {string} [certification_id]
 * @property {number} price_cents
 * @property {string} currency
 * @property {boolean} initial_kit
 */

/** @typedef {{ items?: CatalogItem[], tracking_fee_cents?: number, payment_methods?: string[] }} Catalog */

/** @typedef {"first_name" | "last_name" | "address1" | "address2" | "city" | "state" | "postal_code"} LocalizedField */

/** @typedef {{ [K in LocalizedField]?: string | null }} LocalizedAddress */

/** @typedef {LocalizedField | "email" | "phone" | "country"} AddressField */

/** @typedef {{ [K in AddressField]?: string | null } & { localized?: LocalizedAddress | null }} ShippingAddress */

/**
 * What the claim screen chose, kept in `state.order` for the shipping step.
 * @typedef {object} OrderSelection
 * @property {string[]} skus
 * @property {CatalogItem[]} items
 * @property {boolean} tracking
 * @property {string} payment_method
 * @property {number} tracking_fee_cents
 * @property {string} currency
 */

/**
 * POST /me/fulfillment/orders (201); `items` are skus (or lines, as a fallback).
 * @typedef {object} OrderResult
 * @property {string} [order_id]
 * @property {(string | Partial<CatalogItem>)[]} [items]
 * @property {number} [total_cents]
 * @property {string} [status] `queued` (free) or `awaiting_payment` (priced)
 * @property {string} [currency] fallback
 * @property {boolean} [tracking]
 * @property {number} [tracking_fee_cents]
 * @property {OrderPayment | null} [payment] what the browser's payment step needs (priced orders)
 */

/** @typedef {{ provider: string, client_secret: string, publishable_key: string }} OrderPayment */

/**
 * The parts of Stripe.js (https://js.stripe.com/v3/) the payment step uses.
 * @typedef {{ type?: string, code?: string, decline_code?: string, message?: string }} StripeError
 * @typedef {{ id?: string, status: string }} StripePaymentIntent
 * @typedef {{ mount(target: HTMLElement): void, on(event: string, handler: (event?: { error?: StripeError }) => void): void, destroy(): void }} StripeCardElement
 * @typedef {{ card: StripeCardElement, billing_details?: { name?: string, email?: string } }} StripePaymentMethodData
 * @typedef {{ error?: StripeError | null, paymentIntent?: StripePaymentIntent }} StripeConfirmResult
 * @typedef {{ elements(options?: { locale?: string }): { create(type: "card", options?: object): StripeCardElement }, confirmCardPayment(clientSecret: string, data: { payment_method: StripePaymentMethodData }): Promise<StripeConfirmResult> }} StripeClient
 */

/**
 * A row of GET /me/fulfillment/history.
 * @typedef {object} FulfillmentEntry
 * @property {string} name
 * @property {string} [verification_code]
 * @property {string | null} queued
 * @property {string | null} sent
 * @property {string | null} complete
 * @property {string} status
 * @property {string} [order_id]
 * @property {string | null} [carrier]
 * @property {string | null} [tracking_number]
 * @property {string | null} [tracking_url] the carrier's public tracking page (none for "other")
 */

/** @typedef {"queued" | "sent" | "complete"} KitStatus */

/**
 * A row of GET /ops/fulfillment (operators).
 * @typedef {{ [K in KitStatus]: string | null } & { name: string, fulfillment_id: string, candidate_id: string, ship_to: ShippingAddress | null, tracking: boolean, carrier?: string | null, tracking_number?: string | null, tracking_url?: string | null }} Kit
 */

/** @typedef {{ url?: string, email?: string, linkedin?: string, facebook?: string, twitter?: string }} ShareLinks */

/** @typedef {{ show_address?: boolean, show_email?: boolean }} DisplayOptions */

/**
 * A transcript (GET /me/transcripts items, GET /me/transcripts/{id}).
 * @typedef {object} Transcript
 * @property {string} transcript_id
 * @property {string} [id] fallback for `transcript_id`
 * @property {string} [display_name]
 * @property {DisplayOptions} [display_options]
 * @property {string} [expires_on]
 * @property {string} [description]
 * @property {string} [remarks]
 * @property {"active" | "selected"} [include]
 * @property {string[]} [certification_ids]
 * @property {boolean} [include_new_certifications]
 * @property {string} [public_url]
 * @property {ShareLinks} [share]
 * @property {string} [status]
 * @property {number} [views]
 * @property {string | null} [last_viewed]
 */

/**
 * POST /me/transcripts and PUT /me/transcripts/{id}, as the form sends it.
 * @typedef {object} TranscriptRequest
 * @property {string} display_name
 * @property {Required<DisplayOptions>} display_options
 * @property {string} expires_on
 * @property {string} description
 * @property {string | null} [remarks] left out when empty
 * @property {"active" | "selected"} include
 * @property {string[]} certification_ids
 * @property {boolean} include_new_certifications
 */

/** @typedef {{ subject?: string, text?: string, body_text?: string }} EmailPreview `body_text` is a fallback */

/** @typedef {{ [claim: string]: unknown, exp?: number, iat?: number, "cognito:groups"?: string[] | string }} TokenClaims */

/**
 * What the router hands each view.
 * @typedef {object} ViewContext
 * @property {string[]} params the route pattern's groups, URI-decoded
 * @property {URLSearchParams} query
 * @property {string} path
 * @property {(hash: string) => void} navigate
 * @property {() => void} [refreshShell] draw the header and menu again (after `state.me` changed)
 */

/** @typedef {(container: HTMLElement, context: ViewContext) => Promise<void>} View */

/**
 * POST /ops/imports: the import and the form to upload its file with (a presigned POST to the bucket).
 * @typedef {object} StartedImport
 * @property {string} import_id
 * @property {string} key
 * @property {{ url: string, fields: Record<string, string>, max_bytes: number, content_type: string, expires_in: number }} upload
 */

/** @typedef {"awaiting_upload" | "processing" | "done" | "failed"} ImportStatus */

/**
 * GET /ops/imports items.
 * @typedef {object} ImportSummary
 * @property {string} import_id
 * @property {"exams" | "ce-credits"} kind
 * @property {string} filename
 * @property {"console" | "bucket"} source
 * @property {ImportStatus} status
 * @property {string | null} operator
 * @property {string} created_at
 * @property {string} updated_at
 * @property {number | null} rows
 * @property {number | null} imported
 * @property {number | null} rejected
 * @property {string | null} reason
 */

/**
 * GET /ops/imports/{import_id}.
 * @typedef {ImportSummary & { rejected_lines: { line: number, reason: string }[], report: { url: string, expires_at: string } | null }} ImportDetail
 * A row of GET /ops/candidates (operators).
 * @typedef {object} CandidateMatch
 * @property {string} candidate_id
 * @property {string} first_name
 * @property {string} last_name
 * @property {string | null} email
 * @property {boolean} mapped
 * @property {"candidate_id" | "email" | "registration_number" | "name"} matched_by
 */

/** @typedef {{ items: CandidateMatch[], truncated: boolean }} CandidateSearch GET /ops/candidates */

/**
 * The profile section of GET /ops/candidates/{candidate_id}.
 * @typedef {object} CandidateProfile
 * @property {string} candidate_id
 * @property {string} first_name
 * @property {string} last_name
 * @property {string | null} email
 * @property {boolean} mapped
 * @property {string | null} login_id
 * @property {string | null} mapped_at
 * @property {string} created_at
 * @property {boolean} frozen
 * @property {string | null} frozen_at
 * @property {string | null} frozen_case_id
 * @property {boolean} email_suppressed
 * @property {boolean} reminders_unsubscribed
 * @property {string | null} vendor_testing_id
 * @property {boolean} in_name_index
 */

/** @typedef {{ case_id: string, reason: string, status: string, candidate_ids: string[], created_at: string }} SupportCaseSummary */

/** @typedef {{ candidate_id: string | null, action: string, target: string, reason: string, before: string | null, after: string | null, operator: string, at: string }} AuditEntry candidate_id null: a write about no candidate (an import) */

/**
 * GET /ops/candidates/{candidate_id} (operators; read-only).
 * @typedef {object} CandidateView
 * @property {CandidateProfile} profile
 * @property {CertificationGroup[]} certifications
 * @property {{ date: string, event: string, certification_id: string | null }[]} history
 * @property {Exam[]} exams
 * @property {CeActivity[]} ce_credits
 * @property {FulfillmentEntry[]} kits
 * @property {{ date: string, description: string, amount_cents: number, currency: string, status: string, status_text: string, order_id: string }[]} transactions
 * @property {Transcript[]} transcripts
 * @property {SupportCaseSummary[]} open_cases
 * @property {AuditEntry[]} audit
 * The certification after an operator's grant, revoke or extension (`/ops/candidates/{id}/…`).
 * @typedef {object} OpsCertificationChange
 * @property {string} candidate_id
 * @property {string} certification_id
 * @property {string} status
 * @property {string | null} active_date
 * @property {string | null} expiration_date
 */

/**
 * A CE credit an operator added or voided.
 * @typedef {object} OpsCreditChange
 * @property {string} candidate_id
 * @property {string} external_id
 * @property {string} activity_name
 * @property {string} provider_name
 * @property {number} points
 * @property {string} active_date
 * @property {string} inactive_date
 * @property {string} status
 */

/**
 * PUT /ops/candidates/{id}/name.
 * @typedef {object} OpsNameChange
 * @property {string} candidate_id
 * @property {string} first_name
 * @property {string} last_name
 * @property {string[]} reissued_certificates
 */

/** @typedef {"duplicate_email" | "mapping_disputed"} SupportCaseReason */

/**
 * A certification of one record of a support case, as the case compares them.
 * @typedef {{ cert_id: string, status: string, expiration_date: string | null }} CaseCertification
 */

/**
 * One candidate record of GET /ops/support-cases/{case_id}, side by side with the others.
 * @typedef {object} CaseRecord
 * @property {string} candidate_id
 * @property {boolean} exists
 * @property {string | null} first_name
 * @property {string | null} last_name
 * @property {string | null} email
 * @property {string | null} created_at
 * @property {string | null} mapped_login the login's name when the record is mapped
 * @property {string | null} merged_into
 * @property {boolean} frozen
 * @property {CaseCertification[]} certifications
 * @property {number} exams
 * @property {number} ce_credits
 * @property {number} agreements
 * @property {number} orders
 * @property {number} kits
 * @property {number} transactions
 * @property {number} transcripts
 * @property {number} audit_entries
 */

/** @typedef {{ survivor: string, phase: "moving" | "finishing" | "done" | string, moved: number, dropped: number, started_at: string }} MergeProgress */

/**
 * GET /ops/support-cases/{case_id}.
 * @typedef {object} SupportCase
 * @property {string} case_id
 * @property {SupportCaseReason | string} reason
 * @property {"open" | "resolved" | string} status
 * @property {string[]} candidate_ids
 * @property {string} created_at
 * @property {string} last_requested_at
 * @property {number} requests
 * @property {string} login_sub the login waiting for the case
 * @property {string | null} login_username
 * @property {"merged" | "closed" | string | null} resolution
 * @property {string | null} survivor
 * @property {string | null} note
 * @property {string | null} resolved_at
 * @property {string | null} resolved_by
 * @property {MergeProgress | null} merge
 * @property {CaseRecord[]} records
 */

/** @typedef {{ case_id: string, survivor: string, merged: string[], status: string, moved: number, dropped: number, login_mapped: boolean }} MergeResult POST /ops/support-cases/{case_id}/merge */

/** @typedef {{ case_id: string, status: string, resolution: string, unfrozen: string[] }} CloseResult POST /ops/support-cases/{case_id}/close */

/** @typedef {{ login_sub: string, lifted: string[] }} LiftResult POST /ops/logins/{login_sub}/rate-limits/lift */
