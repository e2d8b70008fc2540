// Every operation the phone sends, as typed documents (codegen reads them from here).
import { graphql } from '@shared/gql';

export const Me = graphql(`
  query Me {
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

export const Worklist = graphql(`
  query Worklist($unitId: ID!, $date: Date) {
    worklist(unitId: $unitId, date: $date) {
      id
      windowStart
      windowEnd
      state
      intervention {
        id
        title
        instructions
      }
      tenant {
        id
        name
      }
      signature {
        id
        status
        timing
        signedAt
        performedAt
        note
        documentedAt
        signedBy {
          id
          name
        }
      }
    }
  }
`);

export const SyncSignatures = graphql(`
  mutation SyncSignatures($inputs: [SignInput!]!) {
    syncSignatures(inputs: $inputs) {
      idempotencyKey
      signature {
        id
      }
      error {
        code
        message
        existingSignatureId
      }
    }
  }
`);

export const SignPrn = graphql(`
  mutation SignPrn($input: SignPrnInput!) {
    signPrn(input: $input) {
      id
    }
  }
`);

export const WhoSigned = graphql(`
  query WhoSigned($id: ID!) {
    signature(id: $id) {
      id
      signedAt
      signedBy {
        id
        name
      }
    }
  }
`);

export const AnnulSignature = graphql(`
  mutation AnnulSignature($signatureId: ID!, $reason: String!) {
    annulSignature(signatureId: $signatureId, reason: $reason) {
      id
      annulled
    }
  }
`);

export const ConfirmDocumented = graphql(`
  mutation ConfirmDocumented($signatureId: ID!) {
    confirmDocumented(signatureId: $signatureId) {
      id
      documentedAt
    }
  }
`);

export const PrnInterventions = graphql(`
  query PrnInterventions($unitId: ID!) {
    tenants(unitId: $unitId) {
      id
      name
      interventions {
        id
        title
        instructions
        prn
        state
      }
    }
  }
`);

export const PrnSignatures = graphql(`
  query PrnSignatures($interventionId: ID!) {
    prnSignatures(interventionId: $interventionId, first: 5) {
      id
      status
      performedAt
      annulled
      signedBy {
        id
        name
      }
    }
  }
`);

export const OpenAlarms = graphql(`
  query OpenAlarms($unitId: ID!) {
    alarms(unitId: $unitId, state: OPEN, first: 100) {
      totalCount
      nodes {
        id
        kind
        raisedAt
        windowStart
        windowEnd
        signingStatus
        performedAt
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
      }
    }
  }
`);

export const AlarmEvents = graphql(`
  subscription PhoneAlarmEvents($unitId: ID!) {
    alarmEvents(unitId: $unitId) {
      type
      alarm {
        id
      }
    }
  }
`);
