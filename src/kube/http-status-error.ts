/** The API server answered a request with an error status; `statusCode` is what httpStatus() reads. */
export class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';
  readonly statusCode: number;

  constructor(message: string, statusCode: number, options?: ErrorOptions) {
    super(message, options);
    this.statusCode = statusCode;
  }
}
