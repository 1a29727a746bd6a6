import { STATUS_CODES } from 'node:http';

/** The error body shape of Auth0's Management API; the SDK surfaces `message`. */
export interface ApiErrorBody {
  statusCode: number;
  error: string;
  message: string;
  errorCode?: string;
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly errorCode?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get body(): ApiErrorBody {
    return {
      statusCode: this.statusCode,
      error: STATUS_CODES[this.statusCode] ?? 'Error',
      message: this.message,
      ...(this.errorCode ? { errorCode: this.errorCode } : {}),
    };
  }
}

export const badRequest = (message: string, errorCode = 'invalid_body'): ApiError =>
  new ApiError(400, message, errorCode);
export const notFound = (message: string, errorCode?: string): ApiError => new ApiError(404, message, errorCode);
export const conflict = (message: string, errorCode?: string): ApiError => new ApiError(409, message, errorCode);
export const forbidden = (message: string, errorCode?: string): ApiError => new ApiError(403, message, errorCode);
