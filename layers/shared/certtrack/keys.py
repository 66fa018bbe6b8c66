"""Every key of the single table is built here, and nowhere else.

Item types and their primary keys (PK / SK):

=====================  ==========================  ==============================
item                   PK                          SK
=====================  ==========================  ==============================
candidate profile      CAND#<candidate_id>         PROFILE
login mapping          LOGIN#<login sub>           MAPPING
erased login           LOGIN#<login sub>           ERASED
mapping token          TOKEN#<sha256 hex>          TOKEN
rate-limit window      LOGIN#<login sub>           RATE#<action>#<window start>
rate-limit window      RATE#<scope>#<sha256>       RATE#<action>#<window start>
mapping dispute link   DISPUTE#<sha256 hex>        DISPUTE
support case           CASE#<case_id>              CASE
case pointer           CAND#<candidate_id>         CASE#<case_id>
case merge progress    CASE#<case_id>              MERGE
queued job done        JOB#<job id>                DONE
exam result            CAND#<candidate_id>         EXAM#<registration_number>
registration owner     REG#<registration_number>   OWNER
CE credit              CAND#<candidate_id>         CE#<external_id>
certification          CAND#<candidate_id>         CERT#<cert_id>
history event          CAND#<candidate_id>         HIST#<date>#<event id>
agreement              CAND#<candidate_id>         AGREE#<agreement id>
settings change audit  CAND#<candidate_id>         AUDIT#<timestamp>#<field>
operator action audit  CAND#<candidate_id>         OPAUDIT#<timestamp>#<action>#<target>
  (no candidate)       IMPORT#<import_id>          OPAUDIT#<timestamp>#<action>#<target>
privacy request audit  CAND#<candidate_id>         PRIVACY#<timestamp>#<action>#<request id>
logo acceptance        CAND#<candidate_id>         LOGOACCEPT#<timestamp>
verification code      VERIFY#<code>               VERIFY
shipping address       CAND#<candidate_id>         SHIPPING
kit claim              CAND#<candidate_id>         CLAIM#<cert_id>
order                  CAND#<candidate_id>         ORDER#<order_id>
order pointer          ORDER#<order_id>            ORDER
fulfillment            CAND#<candidate_id>         FULFILL#<fulfillment_id>
fulfillment pointer    FULFILL#<fulfillment_id>    FULFILL
transaction            CAND#<candidate_id>         TXN#<timestamp>#<txn_id>
transcript             CAND#<candidate_id>         TRANSCRIPT#<transcript_id>
mail health (SES)      MAILSTATS                   DAY#<date>
reminder sent          CAND#<candidate_id>         REMINDER#<cert_id>#<expiry>#<days>
expiry-check state     SCHEDULE#expiry-check       STATE
expiry-check day       SCHEDULE#expiry-check       RUN#<YYYY-MM-DD>
sequence counter       COUNTER#<name>              COUNTER
badge (per period)     CAND#<candidate_id>         BADGE#<cert_id>#<valid from>
issued credential      CRED#<credential_id>        CREDENTIAL
status list chunk      STATUSLIST#<list_id>        CHUNK#<nn>
order idempotency      IDEMPOTENCY#orders          orders#<hash of candidate + key>
payment event applied  PAYEVENT#<event id>         PAYEVENT
import (console)       IMPORT#<import_id>          IMPORT
import run (chunks)    IMPORT#<import_id>          IMPORTRUN#<run id>
import chunk done      IMPORT#<import_id>          IMPORTCHUNK#<run id>#<chunk number>
=====================  ==========================  ==============================

GSI1 (alternate lookups, sparse): ``EMAIL#<normalized email>`` → candidates,
``REG#<registration number>`` → exams, ``PUBLIC#<public id>`` → transcripts,
``KITS#<status>`` (SK ``<since>#<fulfillment id>``) → kits by status, oldest first,
``OPAUDIT#<YYYY-MM>`` (SK ``<timestamp>#<candidate id>#<action>``) → operators' actions,
``IMPORTS`` (SK ``<created at>#<import id>``) → CSV imports, newest first when read backwards,
``CASES#<status>`` (SK ``<created_at>#<case id>``) → support cases by status, oldest first. The
registration owner item (table key ``REG#<n> / OWNER``, not on GSI1) is what the exams import
reads, with BatchGetItem, to keep one registration number to one candidate across files.

GSI2 (work due on a date, sparse, sharded): PK ``DUE#<shard>``, SK
``<YYYY-MM-DD>#<kind>#<item PK>#<item SK>``.

GSI3 (candidates by name, for operators): PK ``NAME#<first two letters of the folded last name>``,
SK ``<folded last name>#<folded first name>#<candidate id>``: a prefix of the last name (two
letters at least), then of the first, is one Query with ``begins_with``.
"""

from __future__ import annotations

import hashlib
from datetime import datetime


def candidate_pk(candidate_id: str) -> str:
    return f"CAND#{candidate_id}"


def candidate_id_from_pk(pk: str) -> str:
    return pk.removeprefix("CAND#")


PROFILE = "PROFILE"


def login_pk(login_sub: str) -> str:
    return f"LOGIN#{login_sub}"


MAPPING = "MAPPING"
# What is left of a login whose candidate erased it (``certtrack.privacy.erase``): a retry finishes.
ERASED = "ERASED"


def token_pk(token_hash: str) -> str:
    return f"TOKEN#{token_hash}"


TOKEN = "TOKEN"  # noqa: S105 - a sort-key literal, not a secret


def rate_sk(action: str, window_start: int) -> str:
    return f"{RATE_PREFIX}{action}#{window_start}"


RATE_PREFIX = "RATE#"


def rate_pk(scope: str, value: str) -> str:
    """A rate window not owned by a login: per registration number, last name, source IP, recipient.

    The value is hashed: what a caller typed (names, addresses) is not kept in keys, and any length or
    character fits. ``scope`` is a short fixed word (``reg``, ``name``, ``ip``, ``to``).
    """
    return f"RATE#{scope}#{hashlib.sha256(value.encode('utf-8')).hexdigest()}"


def dispute_pk(token_hash: str) -> str:
    """The "this was not me" link mailed to the previous address after a score-report mapping."""
    return f"DISPUTE#{token_hash}"


DISPUTE = "DISPUTE"


def job_pk(job_id: str) -> str:
    """A queued job's marker: its effects are written (``certtrack.jobs``)."""
    return f"JOB#{job_id}"


JOB_DONE = "DONE"


def case_pk(case_id: str) -> str:
    return f"CASE#{case_id}"


CASE = "CASE"
MERGE = "MERGE"  # the merge of a case's records: its progress (``operations.merge``)


def cases_gsi(status: str) -> str:
    """GSI1 PK of every support case in ``status`` (open, resolved): the operators' queue."""
    return f"CASES#{status}"


def cases_gsi_sk(created_at: str, case_id: str) -> str:
    return f"{created_at}#{case_id}"


def case_ref_sk(case_id: str) -> str:
    """A support case's pointer in the partition of each candidate it names (the candidate's cases)."""
    return f"CASE#{case_id}"


CASE_REF_PREFIX = "CASE#"


def exam_sk(registration_number: str) -> str:
    return f"EXAM#{registration_number}"


EXAM_PREFIX = "EXAM#"


def registration_pk(registration_number: str) -> str:
    """The registration-owner item: the one candidate an imported registration number belongs to."""
    return f"REG#{registration_number.strip()}"


OWNER = "OWNER"


def ce_sk(external_id: str) -> str:
    return f"CE#{external_id}"


CE_PREFIX = "CE#"


def cert_sk(cert_id: str) -> str:
    return f"CERT#{cert_id}"


CERT_PREFIX = "CERT#"


def history_sk(date: str, event_id: str) -> str:
    return f"HIST#{date}#{event_id}"


HISTORY_PREFIX = "HIST#"


def agreement_sk(agreement_id: str) -> str:
    return f"AGREE#{agreement_id}"


AGREEMENT_PREFIX = "AGREE#"


def audit_sk(timestamp: str, field: str) -> str:
    return f"AUDIT#{timestamp}#{field}"


AUDIT_PREFIX = "AUDIT#"


def operator_audit_sk(timestamp: str, action: str, target: str) -> str:
    """An operator's write on a candidate's items: who, when, what, why (``OperatorAuditItem``)."""
    return f"OPAUDIT#{timestamp}#{action}#{target}"


OPERATOR_AUDIT_PREFIX = "OPAUDIT#"


def operator_audit_gsi(at: datetime) -> str:
    """GSI1 partition of the operators' actions of one month (the filterable audit list)."""
    return f"OPAUDIT#{at:%Y-%m}"


def operator_audit_gsi_sk(timestamp: str, candidate_id: str, action: str) -> str:
    return f"{timestamp}#{candidate_id}#{action}"


def logo_accept_sk(timestamp: str) -> str:
    return f"{LOGO_ACCEPT_PREFIX}{timestamp}"


LOGO_ACCEPT_PREFIX = "LOGOACCEPT#"


def privacy_audit_sk(timestamp: str, action: str, request_id: str) -> str:
    """A candidate's own privacy request (data export, login erasure): who, when, what."""
    return f"{PRIVACY_AUDIT_PREFIX}{timestamp}#{action}#{request_id}"


PRIVACY_AUDIT_PREFIX = "PRIVACY#"


def verify_pk(code: str) -> str:
    return f"VERIFY#{code}"


VERIFY = "VERIFY"

SHIPPING = "SHIPPING"


def claim_sk(cert_id: str) -> str:
    return f"CLAIM#{cert_id}"


CLAIM_PREFIX = "CLAIM#"


def order_sk(order_id: str) -> str:
    return f"ORDER#{order_id}"


ORDER_PREFIX = "ORDER#"


def order_pk(order_id: str) -> str:
    """The order pointer's partition: operators address an order by its id alone."""
    return f"ORDER#{order_id}"


ORDER_POINTER = "ORDER"


def fulfillment_sk(fulfillment_id: str) -> str:
    return f"FULFILL#{fulfillment_id}"


FULFILLMENT_PREFIX = "FULFILL#"


def fulfillment_pk(fulfillment_id: str) -> str:
    return f"FULFILL#{fulfillment_id}"


FULFILLMENT_POINTER = "FULFILL"


def kits_gsi(status: str) -> str:
    """GSI1 PK of every kit in ``status`` (queued, sent, complete): the operators' work list."""
    return f"KITS#{status}"


def kits_gsi_sk(since: str, fulfillment_id: str) -> str:
    """GSI1 SK of a kit: when it entered its status (ISO timestamp), so the oldest comes first."""
    return f"{since}#{fulfillment_id}"


def transaction_sk(timestamp: str, txn_id: str) -> str:
    return f"TXN#{timestamp}#{txn_id}"


TRANSACTION_PREFIX = "TXN#"


def transcript_sk(transcript_id: str) -> str:
    return f"TRANSCRIPT#{transcript_id}"


TRANSCRIPT_PREFIX = "TRANSCRIPT#"


MAILSTATS_PK = "MAILSTATS"


def mailstats_sk(date: str) -> str:
    """One day of SES sends, bounces and complaints (counted from the configuration set's events)."""
    return f"DAY#{date}"


def reminder_sk(cert_id: str, expiry: str, days: int) -> str:
    return f"{REMINDER_PREFIX}{cert_id}#{expiry}#{days}"


REMINDER_PREFIX = "REMINDER#"


def import_pk(import_id: str) -> str:
    """A CSV import (started from the operator console or dropped into the bucket): its status and report."""
    return f"IMPORT#{import_id}"


IMPORT = "IMPORT"
IMPORTS_GSI = "IMPORTS"  # GSI1 partition of every import


def import_gsi_sk(created_at: str, import_id: str) -> str:
    return f"{created_at}#{import_id}"


def import_run_sk(run_id: str) -> str:
    """One run of an import (one upload of the file): its chunk count and counters."""
    return f"IMPORTRUN#{run_id}"


def import_chunk_prefix(run_id: str) -> str:
    return f"IMPORTCHUNK#{run_id}#"


def import_chunk_sk(run_id: str, index: int) -> str:
    """A chunk of a run, done: its results (in file order when read in SK order)."""
    return f"{import_chunk_prefix(run_id)}{index:07d}"


SCHEDULE_PK = "SCHEDULE#expiry-check"
STATE = "STATE"


def expiry_day_sk(day: str) -> str:
    """The day's fanned-out check (shards still to finish, its totals), beside ``STATE``."""
    return f"RUN#{day}"


# GSI1: alternate lookups
def name_gsi(folded_last_name: str) -> str:
    """GSI3 partition of candidates whose folded last name starts with these two letters."""
    return f"NAME#{folded_last_name[:2]}"


def name_gsi_sk(folded_last_name: str, folded_first_name: str, candidate_id: str) -> str:
    return f"{folded_last_name}#{folded_first_name}#{candidate_id}"


def name_gsi_prefix(folded_last_name: str, folded_first_name: str | None = None) -> str:
    """A GSI3 SK prefix: of the last name alone, or the whole last name and a prefix of the first."""
    return folded_last_name if folded_first_name is None else f"{folded_last_name}#{folded_first_name}"


def email_gsi(email: str) -> str:
    return f"EMAIL#{email.strip().lower()}"


def registration_gsi(registration_number: str) -> str:
    return f"REG#{registration_number.strip()}"


def public_transcript_gsi(public_id: str) -> str:
    return f"PUBLIC#{public_id}"


# GSI2: work due on a date
def due_shard(pk: str, sk: str, shards: int) -> str:
    """Spread due items over ``shards`` partitions, stably per item."""
    digest = hashlib.sha256(f"{pk}|{sk}".encode()).digest()
    return f"DUE#{digest[0] % shards}"


def due_sk(date: str, kind: str, pk: str, sk: str) -> str:
    return f"{date}#{kind}#{pk}#{sk}"


# Powertools idempotency records (the persistence layer writes them; we only name the partition)
def idempotency_pk(operation: str) -> str:
    return f"IDEMPOTENCY#{operation}"


# Payment provider events already applied (webhook idempotency): ``PAYEVENT#<event id> / PAYEVENT``
def payment_event_pk(event_id: str) -> str:
    return f"PAYEVENT#{event_id}"


PAYMENT_EVENT = "PAYEVENT"


# Sequences (expert numbers): ``COUNTER#<name> / COUNTER``
def counter_pk(name: str) -> str:
    return f"COUNTER#{name}"


COUNTER = "COUNTER"


# Digital badges: ``CAND#<id> / BADGE#<cert_id>#<valid from>`` and ``CRED#<credential_id> / CREDENTIAL``
def badge_sk(cert_id: str, valid_from: str) -> str:
    return f"{BADGE_PREFIX}{cert_id}#{valid_from}"


BADGE_PREFIX = "BADGE#"


def credential_pk(credential_id: str) -> str:
    return f"CRED#{credential_id}"


CREDENTIAL = "CREDENTIAL"
BADGE_STATUS_COUNTER = "badge-status"


# Badge status lists: the set positions of ``<purpose>-<n>``, in chunks of 8,192 positions
def status_list_pk(list_id: str) -> str:
    return f"STATUSLIST#{list_id}"


def status_chunk_sk(chunk: int) -> str:
    return f"{STATUS_CHUNK_PREFIX}{chunk:02d}"


STATUS_CHUNK_PREFIX = "CHUNK#"
