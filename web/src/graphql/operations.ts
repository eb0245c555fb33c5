import { graphql } from '../gql/index.js';

export const UsageFieldsFragment = graphql(`
  fragment UsageFields on Usage {
    inputTokens
    outputTokens
    reasoningTokens
    totalTokens
  }
`);

export const MessageFieldsFragment = graphql(`
  fragment MessageFields on Message {
    id
    role
    text
    status
    timestamp
    responseId
    model
    clientMessageId
    usage {
      ...UsageFields
    }
    error {
      code
      message
      retryable
    }
  }
`);

export const ConversationSummaryFragment = graphql(`
  fragment ConversationSummary on Conversation {
    id
    chatName
    createdAt
    lastUpdate
    messageCount
    streaming
  }
`);

export const SessionQuery = graphql(`
  query Session {
    me {
      name
    }
    serverInfo {
      offlineMode
      model
    }
  }
`);

export const ConversationsQuery = graphql(`
  query Conversations($first: Int, $after: String, $search: String) {
    conversations(first: $first, after: $after, search: $search) {
      edges {
        node {
          ...ConversationSummary
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const ConversationQuery = graphql(`
  query Conversation($id: ID!, $latest: Int) {
    conversation(id: $id) {
      ...ConversationSummary
      messages(latest: $latest) {
        ...MessageFields
      }
    }
  }
`);

export const EarlierMessagesQuery = graphql(`
  query EarlierMessages($id: ID!, $before: ID!, $latest: Int!) {
    conversation(id: $id) {
      messageCount
      messages(latest: $latest, before: $before) {
        ...MessageFields
      }
    }
  }
`);

export const ConversationSummaryQuery = graphql(`
  query ConversationSummaryOnly($id: ID!) {
    conversation(id: $id) {
      ...ConversationSummary
    }
  }
`);

export const SendMessageMutation = graphql(`
  mutation SendMessage($input: SendMessageInput!) {
    sendMessage(input: $input) {
      conversation {
        ...ConversationSummary
      }
      userMessage {
        ...MessageFields
      }
      assistantMessage {
        ...MessageFields
      }
    }
  }
`);

export const RenameConversationMutation = graphql(`
  mutation RenameConversation($id: ID!, $chatName: String!) {
    renameConversation(id: $id, chatName: $chatName) {
      ...ConversationSummary
    }
  }
`);

export const DeleteConversationMutation = graphql(`
  mutation DeleteConversation($id: ID!) {
    deleteConversation(id: $id)
  }
`);

export const RetryResponseMutation = graphql(`
  mutation RetryResponse($conversationId: ID!) {
    retryResponse(conversationId: $conversationId) {
      userMessage {
        ...MessageFields
      }
      assistantMessage {
        ...MessageFields
      }
    }
  }
`);

export const StopResponseMutation = graphql(`
  mutation StopResponse($conversationId: ID!) {
    stopResponse(conversationId: $conversationId) {
      ...MessageFields
    }
  }
`);

export const MessageStreamSubscription = graphql(`
  subscription MessageStream($conversationId: ID!, $after: Int, $messageId: ID) {
    messageStream(conversationId: $conversationId, after: $after, messageId: $messageId) {
      __typename
      ... on TextCreated {
        conversationId
        messageId
        seq
      }
      ... on TextDelta {
        conversationId
        messageId
        seq
        delta
      }
      ... on TextDone {
        conversationId
        messageId
        seq
        text
        responseId
        model
        usage {
          ...UsageFields
        }
      }
      ... on StreamError {
        conversationId
        messageId
        seq
        code
        message
        partialText
        retryable
        status
      }
    }
  }
`);
