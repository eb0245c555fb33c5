/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
export type MessageStatus =
  /** The whole answer (or a user message) */
  | 'COMPLETE'
  /** The model service failed; see `error` */
  | 'FAILED'
  /** Stopped, interrupted or cut short; the partial text is kept */
  | 'INCOMPLETE'
  /** The answer is still arriving */
  | 'STREAMING';

export type Role =
  | 'ASSISTANT'
  | 'USER';

export type SendMessageInput = {
  /** Name of a new conversation; default: start of the text */
  chatName?: string | null | undefined;
  /** The client's own id for this message (1-128 printable ASCII characters, no spaces, unique per message). A send repeated with the same id, after a lost response, returns the turn the first one started instead of asking again; BAD_USER_INPUT if the text differs. Matched in the conversation named, or, for a new conversation, among those made in the last day. */
  clientMessageId?: string | null | undefined;
  /** Omitted: a new conversation is started */
  conversationId?: string | number | null | undefined;
  text: string;
};

export type UsageFieldsFragment = { inputTokens: number, outputTokens: number, reasoningTokens: number, totalTokens: number };

export type MessageFieldsFragment = { id: string, role: Role, text: string, status: MessageStatus, timestamp: string, responseId: string | null, model: string | null, clientMessageId: string | null, usage: { inputTokens: number, outputTokens: number, reasoningTokens: number, totalTokens: number } | null, error: { code: string, message: string, retryable: boolean } | null };

export type ConversationSummaryFragment = { id: string, chatName: string, createdAt: string, lastUpdate: string, messageCount: number, streaming: boolean };

export type SessionQueryVariables = Exact<{ [key: string]: never; }>;


export type SessionQuery = { me: { name: string }, serverInfo: { offlineMode: boolean, model: string } };

export type ConversationsQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  search?: string | null | undefined;
}>;


export type ConversationsQuery = { conversations: { edges: Array<{ node: { id: string, chatName: string, createdAt: string, lastUpdate: string, messageCount: number, streaming: boolean } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type ConversationQueryVariables = Exact<{
  id: string | number;
  latest?: number | null | undefined;
}>;


export type ConversationQuery = { conversation: { id: string, chatName: string, createdAt: string, lastUpdate: string, messageCount: number, streaming: boolean, messages: Array<{ id: string, role: Role, text: string, status: MessageStatus, timestamp: string, responseId: string | null, model: string | null, clientMessageId: string | null, usage: { inputTokens: number, outputTokens: number, reasoningTokens: number, totalTokens: number } | null, error: { code: string, message: string, retryable: boolean } | null }> } | null };

export type EarlierMessagesQueryVariables = Exact<{
  id: string | number;
  before: string | number;
  latest: number;
}>;


export type EarlierMessagesQuery = { conversation: { messageCount: number, messages: Array<{ id: string, role: Role, text: string, status: MessageStatus, timestamp: string, responseId: string | null, model: string | null, clientMessageId: string | null, usage: { inputTokens: number, outputTokens: number, reasoningTokens: number, totalTokens: number } | null, error: { code: string, message: string, retryable: boolean } | null }> } | null };

export type ConversationSummaryOnlyQueryVariables = Exact<{
  id: string | number;
}>;


export type ConversationSummaryOnlyQuery = { conversation: { id: string, chatName: string, createdAt: string, lastUpdate: string, messageCount: number, streaming: boolean } | null };

export type SendMessageMutationVariables = Exact<{
  input: SendMessageInput;
}>;


export type SendMessageMutation = { sendMessage: { conversation: { id: string, chatName: string, createdAt: string, lastUpdate: string, messageCount: number, streaming: boolean }, userMessage: { id: string, role: Role, text: string, status: MessageStatus, timestamp: string, responseId: string | null, model: string | null, clientMessageId: string | null, usage: { inputTokens: number, outputTokens: number, reasoningTokens: number, totalTokens: number } | null, error: { code: string, message: string, retryable: boolean } | null }, assistantMessage: { id: string, role: Role, text: string, status: MessageStatus, timestamp: string, responseId: string | null, model: string | null, clientMessageId: string | null, usage: { inputTokens: number, outputTokens: number, reasoningTokens: number, totalTokens: number } | null, error: { code: string, message: string, retryable: boolean } | null } } };

export type RenameConversationMutationVariables = Exact<{
  id: string | number;
  chatName: string;
}>;


export type RenameConversationMutation = { renameConversation: { id: string, chatName: string, createdAt: string, lastUpdate: string, messageCount: number, streaming: boolean } };

export type DeleteConversationMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteConversationMutation = { deleteConversation: boolean };

export type RetryResponseMutationVariables = Exact<{
  conversationId: string | number;
}>;


export type RetryResponseMutation = { retryResponse: { userMessage: { id: string, role: Role, text: string, status: MessageStatus, timestamp: string, responseId: string | null, model: string | null, clientMessageId: string | null, usage: { inputTokens: number, outputTokens: number, reasoningTokens: number, totalTokens: number } | null, error: { code: string, message: string, retryable: boolean } | null }, assistantMessage: { id: string, role: Role, text: string, status: MessageStatus, timestamp: string, responseId: string | null, model: string | null, clientMessageId: string | null, usage: { inputTokens: number, outputTokens: number, reasoningTokens: number, totalTokens: number } | null, error: { code: string, message: string, retryable: boolean } | null } } };

export type StopResponseMutationVariables = Exact<{
  conversationId: string | number;
}>;


export type StopResponseMutation = { stopResponse: { id: string, role: Role, text: string, status: MessageStatus, timestamp: string, responseId: string | null, model: string | null, clientMessageId: string | null, usage: { inputTokens: number, outputTokens: number, reasoningTokens: number, totalTokens: number } | null, error: { code: string, message: string, retryable: boolean } | null } | null };

export type MessageStreamSubscriptionVariables = Exact<{
  conversationId: string | number;
  after?: number | null | undefined;
  messageId?: string | number | null | undefined;
}>;


export type MessageStreamSubscription = { messageStream:
    | { __typename: 'StreamError', conversationId: string, messageId: string, seq: number, code: string, message: string, partialText: string, retryable: boolean, status: MessageStatus }
    | { __typename: 'TextCreated', conversationId: string, messageId: string, seq: number }
    | { __typename: 'TextDelta', conversationId: string, messageId: string, seq: number, delta: string }
    | { __typename: 'TextDone', conversationId: string, messageId: string, seq: number, text: string, responseId: string, model: string, usage: { inputTokens: number, outputTokens: number, reasoningTokens: number, totalTokens: number } | null }
   };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const UsageFieldsFragmentDoc = new TypedDocumentString(`
    fragment UsageFields on Usage {
  inputTokens
  outputTokens
  reasoningTokens
  totalTokens
}
    `, {"fragmentName":"UsageFields"}) as unknown as TypedDocumentString<UsageFieldsFragment, unknown>;
export const MessageFieldsFragmentDoc = new TypedDocumentString(`
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
    fragment UsageFields on Usage {
  inputTokens
  outputTokens
  reasoningTokens
  totalTokens
}`, {"fragmentName":"MessageFields"}) as unknown as TypedDocumentString<MessageFieldsFragment, unknown>;
export const ConversationSummaryFragmentDoc = new TypedDocumentString(`
    fragment ConversationSummary on Conversation {
  id
  chatName
  createdAt
  lastUpdate
  messageCount
  streaming
}
    `, {"fragmentName":"ConversationSummary"}) as unknown as TypedDocumentString<ConversationSummaryFragment, unknown>;
export const SessionDocument = new TypedDocumentString(`
    query Session {
  me {
    name
  }
  serverInfo {
    offlineMode
    model
  }
}
    `) as unknown as TypedDocumentString<SessionQuery, SessionQueryVariables>;
export const ConversationsDocument = new TypedDocumentString(`
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
    fragment ConversationSummary on Conversation {
  id
  chatName
  createdAt
  lastUpdate
  messageCount
  streaming
}`) as unknown as TypedDocumentString<ConversationsQuery, ConversationsQueryVariables>;
export const ConversationDocument = new TypedDocumentString(`
    query Conversation($id: ID!, $latest: Int) {
  conversation(id: $id) {
    ...ConversationSummary
    messages(latest: $latest) {
      ...MessageFields
    }
  }
}
    fragment UsageFields on Usage {
  inputTokens
  outputTokens
  reasoningTokens
  totalTokens
}
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
fragment ConversationSummary on Conversation {
  id
  chatName
  createdAt
  lastUpdate
  messageCount
  streaming
}`) as unknown as TypedDocumentString<ConversationQuery, ConversationQueryVariables>;
export const EarlierMessagesDocument = new TypedDocumentString(`
    query EarlierMessages($id: ID!, $before: ID!, $latest: Int!) {
  conversation(id: $id) {
    messageCount
    messages(latest: $latest, before: $before) {
      ...MessageFields
    }
  }
}
    fragment UsageFields on Usage {
  inputTokens
  outputTokens
  reasoningTokens
  totalTokens
}
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
}`) as unknown as TypedDocumentString<EarlierMessagesQuery, EarlierMessagesQueryVariables>;
export const ConversationSummaryOnlyDocument = new TypedDocumentString(`
    query ConversationSummaryOnly($id: ID!) {
  conversation(id: $id) {
    ...ConversationSummary
  }
}
    fragment ConversationSummary on Conversation {
  id
  chatName
  createdAt
  lastUpdate
  messageCount
  streaming
}`) as unknown as TypedDocumentString<ConversationSummaryOnlyQuery, ConversationSummaryOnlyQueryVariables>;
export const SendMessageDocument = new TypedDocumentString(`
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
    fragment UsageFields on Usage {
  inputTokens
  outputTokens
  reasoningTokens
  totalTokens
}
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
fragment ConversationSummary on Conversation {
  id
  chatName
  createdAt
  lastUpdate
  messageCount
  streaming
}`) as unknown as TypedDocumentString<SendMessageMutation, SendMessageMutationVariables>;
export const RenameConversationDocument = new TypedDocumentString(`
    mutation RenameConversation($id: ID!, $chatName: String!) {
  renameConversation(id: $id, chatName: $chatName) {
    ...ConversationSummary
  }
}
    fragment ConversationSummary on Conversation {
  id
  chatName
  createdAt
  lastUpdate
  messageCount
  streaming
}`) as unknown as TypedDocumentString<RenameConversationMutation, RenameConversationMutationVariables>;
export const DeleteConversationDocument = new TypedDocumentString(`
    mutation DeleteConversation($id: ID!) {
  deleteConversation(id: $id)
}
    `) as unknown as TypedDocumentString<DeleteConversationMutation, DeleteConversationMutationVariables>;
export const RetryResponseDocument = new TypedDocumentString(`
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
    fragment UsageFields on Usage {
  inputTokens
  outputTokens
  reasoningTokens
  totalTokens
}
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
}`) as unknown as TypedDocumentString<RetryResponseMutation, RetryResponseMutationVariables>;
export const StopResponseDocument = new TypedDocumentString(`
    mutation StopResponse($conversationId: ID!) {
  stopResponse(conversationId: $conversationId) {
    ...MessageFields
  }
}
    fragment UsageFields on Usage {
  inputTokens
  outputTokens
  reasoningTokens
  totalTokens
}
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
}`) as unknown as TypedDocumentString<StopResponseMutation, StopResponseMutationVariables>;
export const MessageStreamDocument = new TypedDocumentString(`
    subscription MessageStream($conversationId: ID!, $after: Int, $messageId: ID) {
  messageStream(
    conversationId: $conversationId
    after: $after
    messageId: $messageId
  ) {
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
    fragment UsageFields on Usage {
  inputTokens
  outputTokens
  reasoningTokens
  totalTokens
}`) as unknown as TypedDocumentString<MessageStreamSubscription, MessageStreamSubscriptionVariables>;