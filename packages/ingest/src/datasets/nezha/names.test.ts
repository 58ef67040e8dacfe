import { applicationOfServices, columnOfEdge, edgeOfColumn, serviceOfPod } from './names';

describe('serviceOfPod', () => {
  it.each([
    ['ts-food-service-f5756978c-k8vqf', 'ts-food-service'],
    ['frontend-579b9bff58-t2dbm', 'frontend'],
    ['ts-ui-dashboard-5477b965f-2chkr', 'ts-ui-dashboard'],
    ['ts-admin-basic-info-service-5f55b6cf68-77cfw', 'ts-admin-basic-info-service'],
    ['a-b-c', 'a'],
  ])('%s → %s', (pod, service) => {
    expect(serviceOfPod(pod)).toBe(service);
  });

  it.each(['frontend', 'frontend-579b9bff58', 'frontend--t2dbm', '-579b9bff58-t2dbm', ''])(
    'gives no service for %j',
    (pod) => {
      expect(serviceOfPod(pod)).toBeUndefined();
    },
  );
});

describe('applicationOfServices', () => {
  it('is train-ticket when every service is ts-…, else hipster', () => {
    expect(applicationOfServices(['ts-food-service', 'ts-ui-dashboard'])).toBe('train-ticket');
    expect(applicationOfServices(['frontend', 'adservice'])).toBe('hipster');
    expect(applicationOfServices(['ts-food-service', 'frontend'])).toBe('hipster');
  });
});

describe('edgeOfColumn', () => {
  it('splits at the one "_" without edges', () => {
    expect(edgeOfColumn('frontend_cartservice')).toEqual({ caller: 'frontend', callee: 'cartservice' });
    expect(edgeOfColumn('a_b_c')).toBeUndefined();
    expect(edgeOfColumn('_b')).toBeUndefined();
  });

  it('resolves service names holding "_" through the call edges', () => {
    const edges = [
      { caller: 'front_end', callee: 'cart' },
      { caller: 'cart', callee: 'redis_cache' },
    ];
    expect(edgeOfColumn('front_end_cart', edges)).toEqual({ caller: 'front_end', callee: 'cart' });
    expect(edgeOfColumn('cart_redis_cache', edges)).toEqual({ caller: 'cart', callee: 'redis_cache' });
    expect(edgeOfColumn('front_end_redis', edges)).toBeUndefined();
  });

  it('refuses a name that spells two edges', () => {
    const edges = [
      { caller: 'a', callee: 'b_c' },
      { caller: 'a_b', callee: 'c' },
    ];
    expect(edgeOfColumn('a_b_c', edges)).toBeUndefined();
  });

  it('is the inverse of columnOfEdge', () => {
    const edge = { caller: 'checkoutservice', callee: 'paymentservice' };
    expect(edgeOfColumn(columnOfEdge(edge), [edge])).toEqual(edge);
    expect(columnOfEdge(edge)).toBe('checkoutservice_paymentservice');
  });
});
