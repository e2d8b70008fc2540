// Every operation the admin web sends, as typed documents (codegen reads them from here).
import { graphql } from '@shared/gql';

export const AdminMe = graphql(`
  query AdminMe {
    me {
      id
      name
      username
      roles {
        role
        unitId
        unit {
          id
          name
          timezone
        }
      }
    }
  }
`);

export const AlarmFields = graphql(`
  fragment AlarmFields on Alarm {
    id
    kind
    state
    raisedAt
    overdue
    escalatedAt
    windowStart
    windowEnd
    signingStatus
    signedAt
    performedAt
    signatureAnnulled
    documentationConfirmed
    retrospective
    signatureLagSeconds
    acknowledgedAt
    outcome
    comment
    tenant {
      id
      name
    }
    intervention {
      id
      title
    }
    signedBy {
      id
      name
    }
    acknowledgedBy {
      id
      name
    }
    signature {
      id
      note
      timing
      caseReference
    }
  }
`);

export const Overview = graphql(`
  query Overview($unitId: ID!) {
    alarmOverview(unitId: $unitId) {
      unitId
      open {
        missed
        outsideWindow
        deviating
        total
      }
      acknowledged
      acknowledgedThisWeek
      overdue
      escalated
      undocumented
      oldestOpenRaisedAt
      lastAcknowledgedAt
    }
  }
`);

export const AlarmList = graphql(`
  query AlarmList(
    $unitId: ID!
    $state: AlarmState
    $kind: AlarmKind
    $overdue: Boolean
    $tenantId: ID
    $from: Date
    $to: Date
    $undocumented: Boolean
    $signedBy: ID
    $escalated: Boolean
    $first: Int
    $after: String
  ) {
    alarms(
      unitId: $unitId
      state: $state
      kind: $kind
      overdue: $overdue
      tenantId: $tenantId
      from: $from
      to: $to
      undocumented: $undocumented
      signedBy: $signedBy
      escalated: $escalated
      first: $first
      after: $after
    ) {
      totalCount
      pageInfo {
        endCursor
        hasNextPage
      }
      nodes {
        ...AlarmFields
      }
    }
  }
`);

export const TenantNames = graphql(`
  query TenantNames($unitId: ID!) {
    tenants(unitId: $unitId, includeMovedOut: true) {
      id
      name
      movedOutAt
    }
  }
`);

// What a live event carries: the alarms service's own fields and the ids of the rest. Names
// come from AlarmNames, read once; asking the gateway for them with every event makes it
// fetch from three other services per alarm, and a busy unit's feed then falls behind.
export const LiveAlarmFields = graphql(`
  fragment LiveAlarmFields on Alarm {
    id
    kind
    state
    raisedAt
    overdue
    escalatedAt
    windowStart
    windowEnd
    signingStatus
    signedAt
    performedAt
    signatureAnnulled
    documentationConfirmed
    retrospective
    signatureLagSeconds
    acknowledgedAt
    outcome
    comment
    tenant {
      id
    }
    intervention {
      id
    }
    signedBy {
      id
    }
    acknowledgedBy {
      id
    }
  }
`);

export const AdminAlarmEvents = graphql(`
  subscription AdminAlarmEvents($unitId: ID!) {
    alarmEvents(unitId: $unitId) {
      type
      alarm {
        ...LiveAlarmFields
      }
    }
  }
`);

export const AlarmNames = graphql(`
  query AlarmNames($unitId: ID!) {
    tenants(unitId: $unitId, includeMovedOut: true) {
      id
      name
      interventions {
        id
        title
      }
    }
    users(unitId: $unitId) {
      id
      name
    }
  }
`);

export const AlarmDetail = graphql(`
  query AlarmDetail($id: ID!) {
    alarm(id: $id) {
      ...AlarmFields
      unitId
      followUpNotes {
        ...FollowUpNoteFields
      }
      deviation {
        id
        description
        reportedAt
        reportedBy {
          id
          name
        }
      }
    }
  }
`);

export const AcknowledgeAlarm = graphql(`
  mutation AcknowledgeAlarm($input: AcknowledgeAlarmInput!) {
    acknowledgeAlarm(input: $input) {
      ...AlarmFields
    }
  }
`);

export const ReportDeviation = graphql(`
  mutation ReportDeviation($input: ReportDeviationInput!) {
    reportDeviation(input: $input) {
      id
    }
  }
`);

export const DeviationFields = graphql(`
  fragment DeviationFields on Deviation {
    id
    alarmId
    windowStart
    windowEnd
    description
    reportedAt
    lexSarah
    motivation
    assessedAt
    reportToIvoBy
    tenant {
      id
      name
    }
    intervention {
      id
      title
    }
    reportedBy {
      id
      name
    }
    assessedBy {
      id
      name
    }
    followUpNotes {
      ...FollowUpNoteFields
    }
    signingHistory {
      status
      timing
      performedAt
      signedAt
      annulledAt
      signedBy {
        id
        name
      }
    }
  }
`);

export const Deviations = graphql(`
  query Deviations($unitId: ID!) {
    deviations(unitId: $unitId) {
      ...DeviationFields
    }
  }
`);

export const AssessDeviation = graphql(`
  mutation AssessDeviation($input: AssessDeviationInput!) {
    assessDeviation(input: $input) {
      ...DeviationFields
    }
  }
`);

export const SchedulePreview = graphql(`
  query SchedulePreview($unitId: ID!, $schedule: ScheduleInput!, $validFrom: Date, $validTo: Date, $count: Int) {
    schedulePreview(unitId: $unitId, schedule: $schedule, validFrom: $validFrom, validTo: $validTo, count: $count) {
      start
      end
      localDate
    }
  }
`);

export const InterventionFields = graphql(`
  fragment InterventionFields on Intervention {
    id
    title
    instructions
    category
    planReference
    prn
    validFrom
    validTo
    state
    stateReason
    anchoredAt
    createdAt
    schedule {
      rrule
      windowStart
      windowStarts
      windowMinutes
    }
  }
`);

export const Tenants = graphql(`
  query Tenants($unitId: ID!, $includeMovedOut: Boolean!) {
    tenants(unitId: $unitId, includeMovedOut: $includeMovedOut) {
      id
      name
      externalReference
      movedOutAt
      interventions {
        id
        state
      }
    }
  }
`);

export const CreateTenant = graphql(`
  mutation CreateTenant($input: CreateTenantInput!) {
    createTenant(input: $input) {
      id
    }
  }
`);

export const TenantDetail = graphql(`
  query TenantDetail($id: ID!) {
    tenant(id: $id) {
      id
      unitId
      name
      externalReference
      movedOutAt
      moveOutReason
      interventions {
        ...InterventionFields
      }
      absences {
        id
        kind
        from
        to
        registeredAt
        cancelledOccurrences {
          id
          windowStart
          windowEnd
          intervention {
            id
            title
          }
        }
      }
    }
  }
`);

export const UpdateTenant = graphql(`
  mutation UpdateTenant($input: UpdateTenantInput!) {
    updateTenant(input: $input) {
      id
    }
  }
`);

export const MoveOutTenant = graphql(`
  mutation MoveOutTenant($input: MoveOutTenantInput!) {
    moveOutTenant(input: $input) {
      id
    }
  }
`);

export const RegisterAbsence = graphql(`
  mutation RegisterAbsence($input: RegisterAbsenceInput!) {
    registerAbsence(input: $input) {
      id
    }
  }
`);

export const EndAbsence = graphql(`
  mutation EndAbsence($absenceId: ID!, $to: DateTime!) {
    endAbsence(absenceId: $absenceId, to: $to) {
      id
    }
  }
`);

export const CreateIntervention = graphql(`
  mutation CreateIntervention($input: CreateInterventionInput!) {
    createIntervention(input: $input) {
      id
    }
  }
`);

export const InterventionDetail = graphql(`
  query InterventionDetail($id: ID!) {
    intervention(id: $id) {
      ...InterventionFields
      unitId
      anchoredBy
      tenant {
        id
        name
      }
      history {
        change
        details
        changedBy
        changedAt
      }
    }
  }
`);

export const ConfirmPlanAnchoring = graphql(`
  mutation ConfirmPlanAnchoring($interventionId: ID!) {
    confirmPlanAnchoring(interventionId: $interventionId) {
      id
      state
    }
  }
`);

export const PauseIntervention = graphql(`
  mutation PauseIntervention($interventionId: ID!, $reason: String!) {
    pauseIntervention(interventionId: $interventionId, reason: $reason) {
      id
      state
    }
  }
`);

export const ResumeIntervention = graphql(`
  mutation ResumeIntervention($interventionId: ID!) {
    resumeIntervention(interventionId: $interventionId) {
      id
      state
    }
  }
`);

export const EndIntervention = graphql(`
  mutation EndIntervention($interventionId: ID!, $reason: String!) {
    endIntervention(interventionId: $interventionId, reason: $reason) {
      id
      state
    }
  }
`);

export const UpdateSchedule = graphql(`
  mutation UpdateSchedule($input: UpdateInterventionScheduleInput!) {
    updateInterventionSchedule(input: $input) {
      id
    }
  }
`);

export const UnitUsers = graphql(`
  query UnitUsers($unitId: ID) {
    users(unitId: $unitId) {
      id
      name
      username
      email
      active
      activated
      roles {
        role
        unitId
        unit {
          id
          name
        }
      }
    }
  }
`);

export const RoleOrders = graphql(`
  query RoleOrders($pendingOnly: Boolean) {
    roleOrders(pendingOnly: $pendingOnly) {
      id
      role
      action
      state
      unitId
      orderedAt
      decidedAt
      reason
      user {
        id
        name
        username
      }
      unit {
        id
        name
      }
      orderedBy {
        id
        name
      }
      decidedBy {
        id
        name
      }
    }
  }
`);

export const OrderRole = graphql(`
  mutation OrderRole($input: OrderRoleInput!) {
    orderRole(input: $input) {
      id
    }
  }
`);

export const ApproveRoleOrder = graphql(`
  mutation ApproveRoleOrder($orderId: ID!) {
    approveRoleOrder(orderId: $orderId) {
      id
      state
    }
  }
`);

export const RejectRoleOrder = graphql(`
  mutation RejectRoleOrder($orderId: ID!, $reason: String!) {
    rejectRoleOrder(orderId: $orderId, reason: $reason) {
      id
      state
    }
  }
`);

export const Units = graphql(`
  query Units {
    units {
      id
      name
      timezone
      createdAt
    }
  }
`);

export const CreateUnit = graphql(`
  mutation CreateUnit($name: String!, $timezone: String) {
    createUnit(name: $name, timezone: $timezone) {
      id
    }
  }
`);

export const CreateUser = graphql(`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      id
    }
  }
`);

export const DeactivateUser = graphql(`
  mutation DeactivateUser($userId: ID!) {
    deactivateUser(userId: $userId) {
      id
      active
    }
  }
`);

export const ComplianceReport = graphql(`
  query ComplianceReport($unitId: ID!, $from: Date!, $to: Date!) {
    complianceReport(unitId: $unitId, from: $from, to: $to) {
      rows {
        date
        intervention {
          id
          title
          tenant {
            id
            name
          }
        }
        ...ComplianceFigures
      }
      total {
        ...ComplianceFigures
      }
    }
  }
`);

export const ComplianceFigures = graphql(`
  fragment ComplianceFigures on ComplianceRow {
    planned
    onTime
    outsideWindow
    missed
    pending
    retrospective
    deviating {
      total
    }
    alarmsRaised
    acknowledgedInTime
  }
`);

export const AccessLogFields = graphql(`
  fragment AccessLogFields on AccessLogEntry {
    id
    userId
    tenantId
    unitId
    action
    service
    accessedAt
    user {
      id
      name
    }
  }
`);

export const AccessLog = graphql(`
  query AccessLog($tenantId: ID, $userId: ID, $from: DateTime, $to: DateTime, $first: Int) {
    accessLog(tenantId: $tenantId, userId: $userId, from: $from, to: $to, first: $first) {
      ...AccessLogFields
    }
  }
`);

export const AccessLogSample = graphql(`
  query AccessLogSample($unitId: ID!, $from: DateTime!, $to: DateTime!, $size: Int) {
    accessLogSample(unitId: $unitId, from: $from, to: $to, size: $size) {
      ...AccessLogFields
    }
  }
`);

export const LogReviews = graphql(`
  query LogReviews($unitId: ID) {
    logReviews(unitId: $unitId) {
      id
      unitId
      from
      to
      findings
      recordedAt
      sampleEntryIds
      reviewer {
        id
        name
      }
    }
  }
`);

export const RecordLogReview = graphql(`
  mutation RecordLogReview($input: RecordLogReviewInput!) {
    recordLogReview(input: $input) {
      id
    }
  }
`);

export const Notifications = graphql(`
  query Notifications($unitId: ID!) {
    notifications(unitId: $unitId, first: 100) {
      id
      kind
      queuedAt
      sentAt
      reason
      recipient {
        id
        name
      }
    }
  }
`);

export const FollowUpNoteFields = graphql(`
  fragment FollowUpNoteFields on FollowUpNote {
    id
    text
    writtenAt
    writtenBy {
      id
      name
    }
  }
`);

export const AddFollowUpNote = graphql(`
  mutation AddFollowUpNote($input: AddFollowUpNoteInput!) {
    addFollowUpNote(input: $input) {
      id
    }
  }
`);

export const ComplianceBySigner = graphql(`
  query ComplianceBySigner($unitId: ID!, $from: Date!, $to: Date!) {
    complianceBySigner(unitId: $unitId, from: $from, to: $to) {
      signer {
        id
        name
      }
      signed
      onTime
      outsideWindow
      deviating {
        total
      }
      retrospective
      missed
      pending
    }
  }
`);
