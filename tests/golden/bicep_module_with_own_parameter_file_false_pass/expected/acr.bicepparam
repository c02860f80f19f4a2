using './acr.bicep'
param acrName = 'standalone'
param publicNetworkAccess = 'Disabled'
